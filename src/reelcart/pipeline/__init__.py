"""The pipeline: the stage list, the request, the stage cache and the runner that walks them."""

from .cache import Hooks, StageCache, load_artifact
from .request import RunRequest, RunResult, StageRecord, build_request, parse_stream_start
from .runner import PLAN_FILE, WORK_DIRNAME, Pipeline, plan_transcript_windows
from .stages import STAGES, StageInfo, stage_names

__all__ = [
    "PLAN_FILE", "STAGES", "WORK_DIRNAME", "Hooks", "Pipeline", "RunRequest", "RunResult", "StageCache", "StageInfo",
    "StageRecord", "build_request", "load_artifact", "parse_stream_start", "plan_transcript_windows", "stage_names",
]
