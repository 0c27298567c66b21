"""The pipeline: the stage list, the request, the stage cache and the runner that walks them."""

from .cache import Hooks, StageCache, load_artifact
from .request import RunRequest, RunResult, StageRecord
from .runner import PLAN_FILE, WORK_DIRNAME, Pipeline, plan_transcript_windows
from .stages import STAGES, StageInfo, stage_names

__all__ = [
    "PLAN_FILE", "STAGES", "WORK_DIRNAME", "Hooks", "Pipeline", "RunRequest", "RunResult", "StageCache", "StageInfo",
    "StageRecord", "load_artifact", "plan_transcript_windows", "stage_names",
]
