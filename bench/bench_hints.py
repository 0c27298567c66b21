#!/usr/bin/env python3
"""How product names should reach the transcript, measured on every CPU instruction set.

    python bench/bench_hints.py                    # GENERIC, AVX2, AVX512 (those the CPU has)
    python bench/bench_hints.py --isa GENERIC --models tiny.en

For each instruction set (a child process with ``CT2_FORCE_CPU_ISA``), each model and each hint
policy, every recording below is transcribed, first without repair, then the policies that need it
with repair:

* ``decoder``: every catalog name as decoder hotwords;
* ``spike_windows``: hotwords only for the spiking products, only in their look-back windows (on the
  sample: the ground-truth spikes; the fixtures name every product, so every product "spikes";
  the shared media have no spikes, so no hotwords);
* ``correct``: no hotwords; heard names put right by spelling and sound afterwards.

Recordings: the product-name fixture (espeak), the piper-voice pitch over a music bed, the
word-timing fixture, the whole sample livestream (ground-truth transcript), and the shared media
(JFK, a 60 s lecture, es/vi/zh/ar clips: no product is named there, so every name heard is a
phantom). Figures: name recall (mentions heard right: rapidfuzz ratio >= 85 against the words heard
in the sentence), phantom names, hallucinated spans (segments with a repeated n-gram or made only of
hint words), dropped spans (>= 2.5 s of speech with no word), segment length, word-start error,
the signal distributions the repair thresholds are set from, and wall time.
Raw figures: bench/.cache/bench_hints.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.hint_metrics import RECORDINGS, media_dir, score_transcript, summarise  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
ISAS = ("GENERIC", "AVX2", "AVX512")
RUNS = [("correct", True), ("correct", False), ("decoder", False), ("spike_windows", False), ("decoder", True)]


def wanted(model: str, policy: str, repair: bool, rec) -> bool:  # noqa: ANN001
    """What each ISA decodes: spike_windows only where it differs from the others (the sample: on
    the fixtures every product spikes, so it is ``decoder``; the shared media have no spikes, so no
    hotwords), hints with repair with the small model under GENERIC only (it shows what repair does
    to them, and costs the most). ``BENCH_HINTS_ONLY=policy`` decodes one policy only."""
    if model.endswith(".en") and rec.language not in (None, "en"):
        return False
    if policy == "spike_windows" and rec.kind != "sample":
        return False
    if policy == "decoder" and repair and (not model.endswith(".en") or os.environ.get("CT2_FORCE_CPU_ISA") != "GENERIC"):
        return False
    return os.environ.get("BENCH_HINTS_ONLY", policy) == policy


def isa_supported(isa: str) -> bool:
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    return {"GENERIC": True, "AVX": " avx " in flags, "AVX2": " avx2 " in flags, "AVX512": " avx512f " in flags}.get(isa, False)


def saved_name(isa: str, model: str, policy: str, repair: bool, rec) -> Path:  # noqa: ANN001
    return CACHE / "hints" / f"{isa}-{model}-{policy}-{int(repair)}-{rec.path.stem}.json"


def child(isa: str, models: list[str]) -> None:
    """Decode every recording under this ISA; save each transcript with its speech regions."""
    from bench.hint_metrics import transcribe_recording

    (CACHE / "hints").mkdir(parents=True, exist_ok=True)
    for model in models:
        for policy, repair in RUNS:
            for rec in RECORDINGS:
                if not wanted(model, policy, repair, rec):
                    continue
                started = time.perf_counter()
                transcript, regions = transcribe_recording(rec, model, policy, repair)
                wall_s = time.perf_counter() - started
                if transcript is None:
                    continue
                saved_name(isa, model, policy, repair, rec).write_text(json.dumps(
                    {"wall_s": round(wall_s, 2), "regions": regions, "transcript": transcript.model_dump(mode="json")}))
                print(f"{isa} {model} {policy} repair={repair} {rec.name}: {wall_s:.1f} s", file=sys.stderr, flush=True)


def score_all(isas: list[str], models: list[str]) -> list[dict]:
    from reelcart.models import Transcript

    rows = []
    for isa in isas:
        for model in models:
            for policy, repair in RUNS:
                for rec in RECORDINGS:
                    path = saved_name(isa, model, policy, repair, rec) if rec.path else None
                    if path is None or not path.exists():
                        continue
                    saved = json.loads(path.read_text())
                    row = {"isa": isa, "model": model, "policy": policy, "repair": repair, "recording": rec.name, "wall_s": saved["wall_s"]}
                    row.update(score_transcript(rec, Transcript.model_validate(saved["transcript"]), saved["regions"]))
                    rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--isa", action="append", choices=ISAS)
    parser.add_argument("--models", default="tiny.en,base")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--rescore", action="store_true", help="score the saved transcripts again without decoding")
    args = parser.parse_args()
    models = args.models.split(",")
    if args.child:
        child(args.child, models)
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    if media_dir() is None:
        print("note: ../shared/media not found; the shared-media rows are skipped", file=sys.stderr)
    isas = [isa for isa in (args.isa or ISAS) if isa_supported(isa)]
    for isa in sorted(set(args.isa or ISAS) - set(isas)):
        print(f"note: this CPU has no {isa}; skipped", file=sys.stderr)
    if not args.rescore:
        for isa in isas:
            env = {**os.environ, "CT2_FORCE_CPU_ISA": isa}
            subprocess.run([sys.executable, __file__, "--child", isa, "--models", args.models], env=env, check=True)
    rows = score_all(isas, models)
    (CACHE / "bench_hints.json").write_text(json.dumps(rows, indent=1))
    print(summarise(rows))


if __name__ == "__main__":
    main()
