"""Batches: many recordings in one command, resumable, with failures isolated per recording.

``reelcart batch JOBS`` takes a folder or a jobs file (YAML or CSV), turns it into jobs, skips the
jobs whose output is already whole and current, and runs the rest on an executor:

* ``local`` (default): up to ``--jobs`` recordings at once, each in its own process (its own
  session / process group, so a crash, a hang or a kill of one recording never touches another,
  and stopping a job also stops its ffmpeg children);
* ``ray``: each recording is a task on a Ray cluster (``pip install "reelcart[ray]"``); the task
  starts the same job process on whichever node Ray picks.

Resume uses the pipeline's own cache: a job is finished when every stage up to ``package`` is
served from ``<out>/work`` with a current cache key and its outputs on disk, so a second run of
the same batch skips finished jobs and, inside an unfinished job, finished stages. All files are
written atomically (``artifacts.atomic_path``) and a stopped job deletes its half-written
temporary files, so a killed batch never leaves output that looks complete but is not.

The job process speaks to its parent through stdout lines that start with ``EVENT_PREFIX``
followed by one JSON object; everything else it prints goes to ``<out>/work/batch.log``.
"""

from .child import job_main
from .executors import EXECUTORS, Executor, executor_names, get_executor
from .executors.local import default_workers
from .jobs import JOB_LOG, REPORT_FILE, DiscoverOptions, Job, discover_jobs
from .report import BatchReport, JobOutcome, StageOutcome, format_summary
from .resume import finished_manifest
from .runner import Batch, BatchOptions, Reporter, run_batch

__all__ = [
    "EXECUTORS", "JOB_LOG", "REPORT_FILE", "Batch", "BatchOptions", "BatchReport", "DiscoverOptions", "Executor", "Job",
    "JobOutcome", "Reporter", "StageOutcome", "default_workers", "discover_jobs", "executor_names", "finished_manifest",
    "format_summary", "get_executor", "job_main", "run_batch",
]
