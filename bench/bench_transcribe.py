#!/usr/bin/env python3
"""Benchmark of the transcription stage. Prints Markdown tables (for the README) and saves the
raw figures in bench/.cache/bench_transcribe.json.

    python bench/bench_transcribe.py                 # everything (about 30 min on 2 cores)
    python bench/bench_transcribe.py --skip-full     # skip full-mode transcription of the hour
    python bench/bench_transcribe.py --only models   # one section: models, quality, windowed, memory

1. **Models.** Real-time factor (wall seconds per second of audio; lower is faster) of each
   bundled model on the sample livestream (232.8 s, with its ground-truth transcript: word
   error rate and sentence-onset error) and on ``../shared/media/lecture_en_60s.wav``. CPU
   seconds are shown too: the machine may be shared, and CPU time is what a busy neighbour does
   not inflate.
2. **Quality on the committed fixtures**: word-start error of faster-whisper's own word times
   and of the stage's speech-bounded ones; product mentions recognised with and without hints.
3. **Windowed vs full** on a 60-minute stream (the sample's sound looped by ffmpeg) with three
   order spikes: the share of the audio windowed mode transcribes, and the time of both modes.
4. **Memory.** Peak resident memory (``ru_maxrss`` of a fresh process that runs only the stage)
   of a full transcription of a 1-hour and a 4-hour recording (the sample's sound looped: speech
   all the way through), with the small English model so that 5 hours of audio fit in a
   benchmark run on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
import unicodedata
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from reelcart.config import MomentsConfig, TranscribeConfig  # noqa: E402
from reelcart.media.ffmpeg import run_ffmpeg  # noqa: E402
from reelcart.models import OrderStats, Spike, SpikeReport, TimeRange  # noqa: E402
from reelcart.stages import transcribe as T  # noqa: E402
from reelcart.stages.audio import build_extract_args, pcm_digest  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
SAMPLE = ROOT / "samples" / "livestream.mp4"
TRUTH = ROOT / "samples" / "ground_truth.json"
SPIKE_ONSETS_S = (900.0, 2000.0, 3100.0)


def find_media() -> Path | None:
    for parent in ROOT.parents:
        if (parent / "shared" / "media").is_dir():
            return parent / "shared" / "media"
    return None


def wav_of(source: Path, name: str) -> tuple[Path, float]:
    target = CACHE / name
    if not target.is_file():
        CACHE.mkdir(parents=True, exist_ok=True)
        run_ffmpeg(build_extract_args(str(source), str(target)), what="bench audio")
    return target, pcm_digest(target)[0]


def loop_wav(unit: Path, minutes: int, name: str) -> Path:
    target = CACHE / name
    if not target.is_file():
        run_ffmpeg(["-stream_loop", "-1", "-i", str(unit), "-t", str(minutes * 60), "-c:a", "pcm_s16le", str(target)],
                   what="looped stream")
    return target


def normalize(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch if ch.isalnum() or ch.isspace() else " " for ch in text).split()


def wer(reference: str, hypothesis: str) -> float:
    from rapidfuzz.distance import Levenshtein

    ref = normalize(reference)
    return Levenshtein.distance(ref, normalize(hypothesis)) / len(ref)


def sentence_onset_errors(transcript, truth: list[dict]) -> list[float]:
    """|first heard word start - true sentence start| for every true sentence whose first word is heard
    within 1.5 s of it."""
    words = transcript.words()
    errors = []
    for sentence in truth:
        first = normalize(sentence["text"])[:1]
        near = [w for w in words if abs(w.start_s - sentence["start_s"]) <= 1.5 and normalize(w.text)[:1] == first]
        if near:
            errors.append(min(abs(w.start_s - sentence["start_s"]) for w in near))
    return errors


def timed(fn):  # noqa: ANN001, ANN201
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def transcribe(wav: Path, windows: list[TimeRange], config: TranscribeConfig, progress=False):  # noqa: ANN001, ANN201
    return T.transcribe_windows(wav, windows, config, None, progress=progress)


# ------------------------------------------------------------------ sections


def bench_models(models: list[str], results: dict) -> list[str]:
    import numpy as np

    truth = json.loads(TRUTH.read_text(encoding="utf-8"))
    sample_wav, sample_s = wav_of(SAMPLE, "sample.wav")
    media = find_media()
    lecture = (media / "lecture_en_60s.wav") if media else None
    lecture_wav, lecture_s = wav_of(lecture, "lecture.wav") if lecture and lecture.is_file() else (None, 0.0)
    reference = " ".join(s["text"] for s in truth["transcript"])
    rows = [
        "| model | load s | sample (232.8 s): wall s / RTF | CPU s | WER | sentence onset error median / p95 | lecture_en_60s: wall s / RTF | CPU s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in models:
        config = TranscribeConfig(model=name)
        _, load_s, _ = timed(lambda: T.load_model(config))
        tr, wall, cpu = timed(lambda: transcribe(sample_wav, [TimeRange(start_s=0.0, end_s=sample_s)], config))
        hyp = " ".join(s.text for s in tr.segments)
        onset = sentence_onset_errors(tr, truth["transcript"])
        row = {
            "load_s": load_s, "sample_s": sample_s, "sample_wall_s": wall, "sample_cpu_s": cpu, "sample_wer": wer(reference, hyp),
            "onset_median_s": float(np.median(onset)), "onset_p95_s": float(np.percentile(onset, 95)), "onset_n": len(onset),
        }
        if lecture_wav:
            _, lwall, lcpu = timed(lambda: transcribe(lecture_wav, [TimeRange(start_s=0.0, end_s=lecture_s)], config))
            row.update(lecture_s=lecture_s, lecture_wall_s=lwall, lecture_cpu_s=lcpu)
        results.setdefault("models", {})[name] = row
        lec = f"{row['lecture_wall_s']:.1f} / {row['lecture_wall_s'] / lecture_s:.3f} | {row['lecture_cpu_s']:.1f}" if lecture_wav else "n/a | n/a"
        rows.append(
            f"| {name} | {load_s:.1f} | {wall:.1f} / {wall / sample_s:.3f} | {cpu:.1f} | {row['sample_wer']:.1%} | "
            f"{row['onset_median_s']:.3f} / {row['onset_p95_s']:.3f} s ({len(onset)} sentences) | {lec} |"
        )
        print(rows[-1], flush=True)
    return rows


def bench_quality(results: dict) -> list[str]:
    """Word timing and product-name figures on the committed fixtures (tests/data): faster-whisper's
    own word times against the stage's speech-bounded ones, and hints off against on."""
    import difflib

    import numpy as np
    from rapidfuzz import fuzz

    from reelcart.models import Catalog, Product

    data = ROOT / "tests" / "data"
    timing = json.loads((data / "word_timing.json").read_text(encoding="utf-8"))
    wav, duration = wav_of(data / "word_timing.opus", "word_timing.wav")
    model, _, _ = T.load_model(TranscribeConfig())
    from reelcart.stages.audio import read_window

    audio = read_window(wav, 0.0, duration)

    def errors(words: list[tuple[str, float]]) -> tuple[np.ndarray, list[float], int]:
        ref = ["".join(normalize(w["text"])) for w in timing["words"]]
        hyp = ["".join(normalize(t)) for t, _ in words]
        errs, after = [], []
        for b in difflib.SequenceMatcher(a=ref, b=hyp, autojunk=False).get_matching_blocks():
            for k in range(b.size):
                true = timing["words"][b.a + k]
                errs.append(words[b.b + k][1] - true["start_s"])
                if true["after_long_silence"]:
                    after.append(errs[-1])
        return np.abs(errs), after, len(errs)

    rows = ["| word times | VAD | words matched | median abs start error | p95 | first words after 9 s / 14 s of silence |", "|---|---|---|---|---|---|"]
    out = {}
    for vad in (True, False):
        pieces, _ = model.transcribe(audio, language="en", word_timestamps=True, vad_filter=vad,
                                     vad_parameters=dict(T.VAD_PARAMETERS) if vad else None, condition_on_previous_text=False)
        raw = [(w.word, float(w.start)) for p in pieces for w in p.words]
        ours = [(w.text, w.start_s) for w in transcribe(wav, [TimeRange(start_s=0.0, end_s=duration)], TranscribeConfig(vad=vad)).words()]
        for label, words in (("faster-whisper alone", raw), ("reelcart (bounded by speech)", ours)):
            err, after, n = errors(words)
            out[f"{label} vad={vad}"] = {"median": float(np.median(err)), "p95": float(np.percentile(err, 95)), "after": after, "n": n}
            rows.append(f"| {label} | {'on' if vad else 'off'} | {n}/{len(timing['words'])} | {np.median(err):.3f} s | "
                        f"{np.percentile(err, 95):.3f} s | {', '.join(f'{a:+.2f} s' for a in after)} |")
            print(rows[-1], flush=True)
    pitch = json.loads((data / "product_pitch.json").read_text(encoding="utf-8"))
    catalog = Catalog(source="bench", products=[Product(sku=p["sku"], name=p["name"], url="https://shop.example.com/x",
                                                        aliases=p["aliases"]) for p in pitch["catalog"]])
    pwav, pdur = wav_of(data / "product_pitch.opus", "product_pitch.wav")
    invented = sorted({n for s in pitch["sentences"] for n in s["names"]})
    rows += ["", "| product hints | mentions recognisable (ratio >= 85) | names heard where nobody said them |", "|---|---|---|"]
    for hints in (False, True):
        tr = T.transcribe_windows(pwav, [TimeRange(start_s=0.0, end_s=pdur)], TranscribeConfig(product_hints=hints), catalog, progress=False)
        words = tr.words()
        hits = total = phantom = 0
        for sentence in pitch["sentences"]:
            heard = normalize(" ".join(w.text for w in words if w.end_s > sentence["start_s"] - 0.3 and w.start_s < sentence["end_s"] + 0.3))
            grams = ["".join(heard[i:i + k]) for k in (1, 2) for i in range(len(heard))]
            for name in invented:
                ok = max((fuzz.ratio(name.casefold(), g) for g in grams), default=0) >= 85
                if name in sentence["names"]:
                    total, hits = total + 1, hits + ok
                else:
                    phantom += ok
        out[f"hints={hints}"] = {"hits": hits, "total": total, "phantom": phantom}
        rows.append(f"| {'on' if hints else 'off'} | {hits}/{total} ({hits / total:.0%}) | {phantom} |")
        print(rows[-1], flush=True)
    results["quality"] = out
    return rows


def bench_windowed(results: dict, model: str, skip_full: bool, minutes: int) -> list[str]:
    sample_wav, _ = wav_of(SAMPLE, "sample.wav")
    long_wav = loop_wav(sample_wav, minutes, f"sample-loop-{minutes}min.wav")
    duration = pcm_digest(long_wav)[0]
    spikes = SpikeReport(
        stream_start=None, clock_offset_s=0.0, bin_s=10.0, stats=OrderStats(source="bench", format="generic"),
        spikes=[Spike(sku=f"SKU-{i}", onset_s=t, peak_s=t + 20, end_s=t + 60, orders=30, orders_above_baseline=25,
                      revenue_above_baseline=500, peak_z=9) for i, t in enumerate(SPIKE_ONSETS_S, start=1)],
    )
    config, moments = TranscribeConfig(model=model), MomentsConfig()
    windows = T.plan_windows(spikes, duration, config, moments)
    share = sum(w.duration_s for w in windows) / duration
    T.load_model(config)
    tr_w, wall_w, cpu_w = timed(lambda: transcribe(long_wav, windows, config))
    row = {"duration_s": duration, "windows": [w.model_dump() for w in windows], "share": share,
           "windowed_wall_s": wall_w, "windowed_cpu_s": cpu_w, "windowed_words": len(tr_w.words())}
    lines = [
        f"{minutes}-minute stream, spikes at {', '.join(f'{t / 60:.0f}' for t in SPIKE_ONSETS_S)} min, model {model}, default preset:",
        "",
        "| mode | audio transcribed | share of the recording | wall s | CPU s | words |",
        "|---|---|---|---|---|---|",
        f"| windowed | {sum(w.duration_s for w in windows):.0f} s in {len(windows)} windows | {share:.1%} | {wall_w:.0f} | {cpu_w:.0f} | {len(tr_w.words())} |",
    ]
    print(lines[-1], flush=True)
    if not skip_full:
        full = [TimeRange(start_s=0.0, end_s=duration)]
        tr_f, wall_f, cpu_f = timed(lambda: transcribe(long_wav, full, config, progress=None))
        row.update(full_wall_s=wall_f, full_cpu_s=cpu_f, full_words=len(tr_f.words()))
        lines.append(f"| full | {duration:.0f} s | 100% | {wall_f:.0f} | {cpu_f:.0f} | {len(tr_f.words())} |")
        print(lines[-1], flush=True)
    results["windowed"] = row
    return lines


def child_memory(wav: Path, model: str) -> None:
    """Run in a fresh process: the transcription stage alone, full mode, then report peak RSS."""
    config = TranscribeConfig(model=model)
    duration = pcm_digest(wav)[0]
    T.load_model(config)
    after_load = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tr, wall, cpu = timed(lambda: transcribe(wav, [TimeRange(start_s=0.0, end_s=duration)], config, progress=None))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"duration_s": duration, "after_load_mb": after_load, "peak_mb": peak, "wall_s": wall, "cpu_s": cpu,
                      "words": len(tr.words()), "segments": len(tr.segments)}))


def bench_memory(results: dict, model: str, hours: tuple[int, ...] = (1, 4)) -> list[str]:
    sample_wav, _ = wav_of(SAMPLE, "sample.wav")
    rows = ["| recording | peak RSS | RSS after model load | wall s | CPU s | words |", "|---|---|---|---|---|---|"]
    measured = {}
    for h in hours:
        wav = loop_wav(sample_wav, h * 60, f"sample-loop-{h * 60}min.wav")
        proc = subprocess.run([sys.executable, __file__, "--child-memory", str(wav), "--memory-model", model],
                              capture_output=True, text=True, check=True)
        m = json.loads(proc.stdout.strip().splitlines()[-1])
        measured[h] = m
        rows.append(f"| {h} h ({m['duration_s']:.0f} s, {wav.stat().st_size / 1e6:.0f} MB WAV) | {m['peak_mb']:.0f} MB | "
                    f"{m['after_load_mb']:.0f} MB | {m['wall_s']:.0f} | {m['cpu_s']:.0f} | {m['words']} |")
        print(rows[-1], flush=True)
    if len(hours) == 2:
        a, b = (measured[h]["peak_mb"] for h in hours)
        rows.append("")
        rows.append(f"Peak RSS {hours[1]} h / {hours[0]} h: {b / a:.3f} ({(b - a) / a:+.1%}); model {model}, full mode, "
                    f"chunks of about {TranscribeConfig().chunk_s:.0f} s. Loading {hours[1]} h of 16 kHz float32 audio at once would take "
                    f"{hours[1] * 3600 * 16000 * 4 / 1e6:.0f} MB by itself.")
    results["memory"] = {"model": model, **{f"{h}h": measured[h] for h in hours}}
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="base,tiny.en", help="comma-separated models for section 1")
    parser.add_argument("--only", choices=["models", "quality", "windowed", "memory"], help="run one section")
    parser.add_argument("--skip-full", action="store_true", help="skip full-mode transcription of the long stream")
    parser.add_argument("--long-model", default="base", help="model for section 2")
    parser.add_argument("--long-minutes", type=int, default=60)
    parser.add_argument("--memory-model", default="tiny.en", help="model for section 3")
    parser.add_argument("--child-memory", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("REELCART_PROGRESS", "lines")
    if args.child_memory:
        child_memory(args.child_memory, args.memory_model)
        return
    load = os.getloadavg()
    header = (f"Measured {datetime.now():%Y-%m-%d %H:%M} on {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
              f"load average {load[0]:.1f} at start; int8 on CPU, beam 5, VAD on.")
    print(header, flush=True)
    results: dict = {"header": header}
    out: list[str] = [header, ""]
    if args.only in (None, "models"):
        out += ["### Speed and accuracy of the bundled models", "", *bench_models(args.models.split(","), results), ""]
    if args.only in (None, "quality"):
        out += ["### Word timing and product names (committed fixtures, model base)", "", *bench_quality(results), ""]
    if args.only in (None, "windowed"):
        out += ["### Windowed vs full", "", *bench_windowed(results, args.long_model, args.skip_full, args.long_minutes), ""]
    if args.only in (None, "memory"):
        out += ["### Memory on long recordings", "", *bench_memory(results, args.memory_model), ""]
    CACHE.mkdir(parents=True, exist_ok=True)
    name = f"bench_transcribe{'-' + args.only if args.only else ''}.json"
    (CACHE / name).write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    print("\n" + "\n".join(out))


if __name__ == "__main__":
    main()
