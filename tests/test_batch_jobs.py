"""Turning a folder or a jobs file into batch jobs: naming rule, path rules, one-line errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reelcart.batch import (
    BatchReport,
    DiscoverOptions,
    JobOutcome,
    default_workers,
    discover_jobs,
    format_summary,
)
from reelcart.cli import main
from reelcart.errors import ConfigError, InputError
from reelcart.progress import JsonLinesReporter, PlainReporter, TerminalReporter, make_reporter
from reelcart.resources import ENV_THREADS, cpu_threads, x264_thread_args


def touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def options(tmp_path: Path, **kw) -> DiscoverOptions:
    return DiscoverOptions(out_root=tmp_path / "out", **kw)


def dry_run(*args: str):
    return CliRunner().invoke(main, ["batch", *[str(a) for a in args], "--dry-run"], catch_exceptions=False)


# ----------------------------------------------------------------- folder naming rule


def test_folder_pairs_each_recording_with_its_orders_and_catalog(tmp_path):
    shows = tmp_path / "shows"
    for name in ("mon", "tue", "wed"):
        touch(shows / f"{name}.mp4")
    touch(shows / "mon.orders.csv")
    touch(shows / "tue.orders.jsonl")
    touch(shows / "catalog.csv")  # shared
    touch(shows / "tue.catalog.yaml")  # tue's own catalog wins over the shared one
    touch(shows / "tue.preset.yaml", "render:\n  crf: 20\n")
    touch(shows / ".mon.abc.partial.mp4")  # hidden temporary files are not recordings
    touch(shows / "ghost.orders.csv")  # no ghost.mp4: ignored with a warning
    jobs = {j.name: j for j in discover_jobs(shows, options(tmp_path))}
    assert sorted(jobs) == ["mon", "tue", "wed"]
    assert jobs["mon"].orders == (shows / "mon.orders.csv").absolute()
    assert jobs["mon"].catalog == (shows / "catalog.csv").absolute()
    assert jobs["tue"].orders.name == "tue.orders.jsonl" and jobs["tue"].catalog.name == "tue.catalog.yaml"
    assert jobs["tue"].preset == str(shows / "tue.preset.yaml") and jobs["mon"].preset == "default"
    assert jobs["mon"].out == (tmp_path / "out" / "mon").absolute()
    assert jobs["mon"].problem is None
    assert "no order log: expected wed.orders.csv" in jobs["wed"].problem


def test_folder_errors_are_one_line(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match=r"empty: no recordings found \(expected NAME\{\.mp4"):
        discover_jobs(empty, options(tmp_path))
    twins = tmp_path / "twins"
    touch(twins / "show.mp4")
    touch(twins / "show.mov")
    with pytest.raises(InputError, match="show.mov and show.mp4 share the name 'show'|show.mp4 and show.mov share"):
        discover_jobs(twins, options(tmp_path))


def test_folder_link_pointing_outside_is_refused_unless_allowed(tmp_path):
    outside = touch(tmp_path / "elsewhere" / "secret.mp4")
    shows = tmp_path / "shows"
    shows.mkdir()
    (shows / "show.mp4").symlink_to(outside)
    touch(shows / "show.orders.csv")
    touch(shows / "catalog.csv")
    with pytest.raises(InputError, match="show.mp4 points outside the folder.*--allow-outside"):
        discover_jobs(shows, options(tmp_path))
    assert discover_jobs(shows, options(tmp_path, allow_outside=True))[0].name == "show"


# ----------------------------------------------------------------- jobs files


def test_yaml_jobs_file_resolves_paths_against_its_folder(tmp_path, monkeypatch):
    week = tmp_path / "week"
    touch(week / "media" / "a.mp4")
    touch(week / "media" / "b.mp4")
    touch(week / "logs" / "a.csv")
    touch(week / "logs" / "b.csv")
    touch(week / "catalog.json")
    touch(week / "my-preset.yaml", "render:\n  crf: 24\n")
    touch(week / "jobs.yaml", """\
defaults:
  catalog: catalog.json
  set:
    transcribe.model: tiny.en
jobs:
  - video: media/a.mp4
    orders: logs/a.csv
    stream_start: 2026-11-20T19:00:00+07:00
    set:
      - render.crf=18
  - name: tuesday
    video: media/b.mp4
    orders: logs/b.csv
    preset: my-preset.yaml
    out: results/tue
    set: {transcribe: {language: vi}}
""")
    monkeypatch.chdir(tmp_path)  # relative paths must not depend on where the command runs
    jobs = discover_jobs(Path("week/jobs.yaml"), options(tmp_path, overrides=[{"render": {"fps": 25}}]))
    a, tue = jobs
    assert a.name == "a" and a.video == (week / "media" / "a.mp4").absolute()
    assert a.orders == (week / "logs" / "a.csv").absolute() and a.catalog == (week / "catalog.json").absolute()
    assert a.stream_start == "2026-11-20T19:00:00+07:00"
    assert a.out == (tmp_path / "out" / "a").absolute()
    # preset layers: defaults' set, the entry's set, then the command line's --set
    assert a.overrides == [{"transcribe": {"model": "tiny.en"}}, {"render": {"crf": 18}}, {"render": {"fps": 25}}]
    assert tue.name == "tuesday" and tue.out == (week / "results" / "tue").absolute()
    assert tue.preset == str((week / "my-preset.yaml").absolute())
    assert {"transcribe": {"language": "vi"}} in tue.overrides
    assert tue.where == "entry 2 (line 11)"


def test_csv_jobs_file(tmp_path):
    touch(tmp_path / "j" / "s1.mp4")
    touch(tmp_path / "j" / "s1.csv")
    touch(tmp_path / "j" / "cat.csv")
    jobs_file = touch(tmp_path / "j" / "jobs.csv", (
        "name,video,orders,catalog,preset,out,stream start,set\n"
        "# a comment row,,,,,,,\n"
        "first,s1.mp4,s1.csv,cat.csv,tiktok,,2026-11-20T12:00:00Z,transcribe.language=en; render.crf=20\n"
    ))
    (job,) = discover_jobs(jobs_file, options(tmp_path))
    assert job.name == "first" and job.preset == "tiktok" and job.catalog.name == "cat.csv"
    assert job.stream_start == "2026-11-20T12:00:00+00:00"
    assert job.overrides == [{"transcribe": {"language": "en"}}, {"render": {"crf": 20}}]


def test_entries_outside_the_jobs_folder_are_refused_unless_allowed(tmp_path):
    touch(tmp_path / "shared" / "x.mp4")
    touch(tmp_path / "j" / "x.csv")
    touch(tmp_path / "j" / "catalog.csv")
    jobs_file = touch(tmp_path / "j" / "jobs.yaml", "- video: ../shared/x.mp4\n  orders: x.csv\n")
    result = dry_run(jobs_file, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"reelcart: error: {jobs_file}: entry 1 (line 1): video '../shared/x.mp4' points outside {jobs_file.parent} "
        "(pass --allow-outside to allow entries outside the jobs file's folder)"
    ]
    absolute = touch(tmp_path / "j" / "abs.yaml", f"- video: {tmp_path / 'shared' / 'x.mp4'}\n  orders: x.csv\n  out: /tmp/elsewhere\n")
    assert "points outside" in dry_run(absolute).output
    ok = dry_run(jobs_file, "--out", tmp_path / "out", "--allow-outside")
    assert ok.exit_code == 0, ok.output
    assert "x  to run" in ok.output


def test_jobs_of_one_file_name_with_their_own_out_folders(tmp_path):
    """A name must be unique only where it decides a folder: two 'stream.mp4' with their own 'out' both run."""
    touch(tmp_path / "catalog.csv")
    for sub in ("mon", "tue"):
        touch(tmp_path / sub / "stream.mp4")
        touch(tmp_path / sub / "orders.csv")
    jobs_file = touch(tmp_path / "jobs.yaml", "- video: mon/stream.mp4\n  orders: mon/orders.csv\n  out: out/mon\n"
                                              "- video: tue/stream.mp4\n  orders: tue/orders.csv\n  out: out/tue\n")
    jobs = discover_jobs(jobs_file, options(tmp_path))
    assert [j.name for j in jobs] == ["stream", "stream-2"]
    assert [j.out.name for j in jobs] == ["mon", "tue"]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("broken.yaml", "- video: a.mp4\n  orders: [unclosed\n", "broken.yaml: line 3: broken YAML"),
        ("typo.yaml", "- video: a.mp4\n  orders: a.csv\n- vidoe: b.mp4\n  orders: b.csv\n",
         "typo.yaml: entry 2 (line 3): unknown field 'vidoe' (expected: name, video, orders, catalog, preset, out, stream_start, set)"),
        ("noorders.yaml", "jobs:\n  - video: a.mp4\n", "noorders.yaml: entry 1 (line 2): 'orders' is missing"),
        ("start.yaml", "- video: a.mp4\n  orders: a.csv\n  stream_start: 'yesterday'\n",
         "start.yaml: entry 1 (line 1): stream_start 'yesterday' is not an ISO 8601 time"),
        ("naive.yaml", "- video: a.mp4\n  orders: a.csv\n  stream_start: '2026-11-20T19:00:00'\n",
         "naive.yaml: entry 1 (line 1): stream_start '2026-11-20T19:00:00' has no UTC offset"),
        ("scalar.yaml", "- a.mp4\n", "scalar.yaml: entry 1 (line 1): expected a mapping with video, orders, catalog"),
        ("mapping.yaml", "video: a.mp4\n", "mapping.yaml: unknown top-level key 'video'"),
        ("empty.yaml", "jobs: []\n", "empty.yaml: the jobs list is empty"),
        ("dupes.yaml", "- video: a.mp4\n  orders: a.csv\n- video: sub/a.mp4\n  orders: a.csv\n",
         "dupes.yaml: entry 1 (line 1) and entry 2 (line 3) are both named 'a'; give one a different 'name'"),
        ("badset.yaml", "- video: a.mp4\n  orders: a.csv\n  set: {render.crf: 99}\n",
         "badset.yaml: entry 1 (line 1): 'set' field 'render.crf': Input should be less than or equal to 51"),
        ("badpreset.yaml", "- video: a.mp4\n  orders: a.csv\n  preset: nosuchpreset\n",
         "badpreset.yaml: entry 1 (line 1): unknown preset 'nosuchpreset'"),
        ("cols.csv", "video,orders,colour\na.mp4,a.csv,red\n", "cols.csv: line 2: unknown field 'colour'"),
        ("missing.csv", "video,orders\na.mp4,a.csv\nb.mp4,\n", "missing.csv: line 3: 'orders' is missing"),
        ("jobs.txt.md", "x", "jobs.txt.md: a jobs file must be YAML (.yaml, .yml) or CSV (.csv)"),
    ],
)
def test_malformed_jobs_file_gives_one_line_error(tmp_path, name, text, expected):
    touch(tmp_path / "catalog.csv")
    jobs_file = touch(tmp_path / name, text)
    result = dry_run(jobs_file, "--out", tmp_path / "out")
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("reelcart: error: "), result.output
    assert expected in lines[0], lines[0]


def test_dry_run_lists_jobs_without_running(tmp_path):
    shows = tmp_path / "shows"
    touch(shows / "a.mp4")
    touch(shows / "a.orders.csv")
    touch(shows / "b.mp4")
    touch(shows / "catalog.csv")
    result = dry_run(shows, "--out", tmp_path / "out")
    assert result.exit_code == 0
    assert "a  to run" in result.output and "b  problem: no order log" in result.output
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------- machine sizing


def test_default_pool_leaves_two_cores_per_job(monkeypatch):
    assert [default_workers(c) for c in (1, 2, 3, 4, 8, 16)] == [1, 1, 1, 2, 4, 8]
    monkeypatch.setenv(ENV_THREADS, "3")
    assert cpu_threads() == 3 and x264_thread_args() == ["-threads", "3"]
    monkeypatch.delenv(ENV_THREADS)
    assert x264_thread_args() == [] and cpu_threads() >= 1


# ----------------------------------------------------------------- summary and watching


def _report() -> BatchReport:
    jobs = [
        JobOutcome(name="monday", status="done", reels=3, seconds=61.2, video="m.mp4", orders="m.csv", catalog="c.csv", out="o/m"),
        JobOutcome(name="tuesday", status="failed", seconds=2.0, error="t.mp4: not a readable media file", failed_stage="probe",
                   video="t.mp4", orders="t.csv", catalog="c.csv", out="o/t"),
        JobOutcome(name="wednesday", status="skipped", reels=2, seconds=0.0, video="w.mp4", orders="w.csv", catalog="c.csv", out="o/w"),
    ]
    return BatchReport(source="shows", out="o", executor="local", workers=1, threads_per_job=2, started="now", state="finished",
                       seconds=63.5, counts={"done": 1, "failed": 1, "skipped": 1}, jobs=jobs)


def test_summary_table():
    lines = format_summary(_report(), width=120).splitlines()
    assert lines[0].split() == ["job", "status", "reels", "time", "error"]
    assert lines[2].split() == ["monday", "done", "3", "1m01s"]
    assert lines[3].split()[:4] == ["tuesday", "failed", "-", "2.0s"] and "[probe] t.mp4: not a readable media file" in lines[3]
    assert lines[4].split() == ["wednesday", "skipped", "2", "0.0s"]
    assert lines[5].startswith("3 job(s): 1 done, 1 skipped, 1 failed in 1m04s; report: o/batch-report.json")


EVENTS = [
    {"event": "batch_start", "job": None, "stage": None, "seconds": 0.0, "jobs": 3, "to_run": 2, "skipped": 1,
     "executor": "local", "workers": 2, "threads_per_job": 1},
    {"event": "job_end", "job": "wednesday", "stage": None, "seconds": 0.0, "status": "skipped", "reels": 2, "error": None},
    {"event": "job_start", "job": "monday", "stage": None, "seconds": 0.0},
    {"event": "job_start", "job": "tuesday", "stage": None, "seconds": 0.0},
    {"event": "stage_start", "job": "monday", "stage": "probe", "seconds": 0.0},
    {"event": "stage_end", "job": "monday", "stage": "probe", "seconds": 0.1, "status": "ran"},
    {"event": "stage_start", "job": "monday", "stage": "transcribe", "seconds": 0.0},
    {"event": "stage_start", "job": "tuesday", "stage": "probe", "seconds": 0.0},
    {"event": "job_end", "job": "tuesday", "stage": "probe", "seconds": 2.0, "status": "failed", "reels": None, "error": "bad file"},
]


def test_terminal_display_shows_overall_bar_and_each_jobs_stage():
    stream = io.StringIO()
    reporter = TerminalReporter(stream)
    snapshots = []
    for event in EVENTS:
        reporter.handle(event)
        snapshots.append(stream.getvalue())
    text = stream.getvalue()
    assert "batch" in text and "1/3 jobs" in text and "2/3 jobs" in text  # the overall bar advances
    assert "monday" in snapshots[6] and "transcribe" in snapshots[6]  # the job line shows its current stage
    assert "1/8" in text  # ... and how many of its stages are done
    assert "✗ tuesday: FAILED in probe after 2.0 s: bad file" in text
    assert "= wednesday: skipped, finished earlier (2 reel(s))" in text
    reporter.close()


def test_plain_and_json_reporters():
    plain = io.StringIO()
    reporter = PlainReporter(plain)
    for event in EVENTS:
        reporter.handle(event)
    assert "[2/3] tuesday: FAILED in probe after 2.0 s: bad file" in plain.getvalue()
    assert "monday: probe done in 0.1 s" in plain.getvalue()
    out = io.StringIO()
    reporter = JsonLinesReporter(out)
    for event in EVENTS:
        reporter.handle(event)
    parsed = [json.loads(line) for line in out.getvalue().splitlines()]
    assert parsed == EVENTS
    assert all({"job", "stage", "event", "seconds"} <= set(p) for p in parsed)
    assert isinstance(make_reporter("json", stdout=out, stderr=plain), JsonLinesReporter)
    assert isinstance(make_reporter("text", stdout=out, stderr=plain), PlainReporter)  # not a terminal
    assert isinstance(make_reporter("text", stdout=out, stderr=plain, progress=True), TerminalReporter)


def test_missing_jobs_path(tmp_path):
    result = dry_run(tmp_path / "nope")
    assert result.exit_code == 2 and "nope: jobs folder or file not found" in result.output
    touch(tmp_path / "s" / "a.mp4")
    with pytest.raises(ConfigError, match=r"s: a.mp4: unknown preset 'nosuch'"):
        discover_jobs(tmp_path / "s", options(tmp_path, preset="nosuch"))


# ----------------------------------------------------------------- one folder, one writer


def test_a_job_folder_has_one_writer_and_stale_temporaries_go(tmp_path):
    from reelcart.artifacts import folder_lock as _folder_lock
    from reelcart.artifacts import remove_stale_partials as _remove_stale_partials
    from reelcart.errors import ReelcartError

    out = tmp_path / "show"
    with _folder_lock(out):
        with pytest.raises(ReelcartError, match="another reelcart process is working on this folder"):
            with _folder_lock(out):
                pass
    with _folder_lock(out):  # released when the holder is done
        pass
    stale = [touch(out / ".reel-1.k2j3.partial.mp4"), touch(out / "work" / ".audio-16k.x1.partial.wav")]
    keep = [touch(out / "reel-1.mp4"), touch(out / "work" / "probe.json", "{}")]
    _remove_stale_partials(out)
    assert not any(p.exists() for p in stale) and all(p.exists() for p in keep)


def test_a_job_that_fails_after_the_stop_counts_as_interrupted(tmp_path):
    """A Ctrl-C can cut a stage short in ways that look like a failure (an encoder killed mid-way):
    once the batch asked the job to stop, its "failed" is reported as "interrupted"; before, or
    without a stop, a failure stays a failure."""
    from reelcart.batch.process import job_result

    log = tmp_path / "job.log"
    failed = {"kind": "result", "status": "failed", "error": "ffmpeg failed", "stage": "render"}
    common = dict(code=2, stage="render", killed=False, log_path=log)
    assert job_result(failed, stop_sent_at=None, result_at=5.0, **common)["status"] == "failed"
    assert job_result(failed, stop_sent_at=9.0, result_at=5.0, **common)["status"] == "failed"  # failed before the stop
    after = job_result(failed, stop_sent_at=5.0, result_at=9.0, **common)
    assert after["status"] == "interrupted" and "ffmpeg failed" in after["error"] and after["stage"] == "render"
    done = {"kind": "result", "status": "done", "reels": 2}
    assert job_result(done, stop_sent_at=5.0, result_at=9.0, **common)["status"] == "done"
    died = job_result(None, code=-9, stage="transcribe", stop_sent_at=None, result_at=None, killed=False, log_path=log)
    assert died["status"] == "failed" and "SIGKILL" in died["error"] and died["stage"] == "transcribe"
    gone = job_result(None, code=-9, stage="transcribe", stop_sent_at=1.0, result_at=None, killed=True, log_path=log)
    assert gone["status"] == "interrupted" and "grace period" in gone["error"]
