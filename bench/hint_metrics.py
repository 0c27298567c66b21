"""The recordings and figures of ``bench/bench_hints.py`` (also read by the tests): name recall,
phantom names, hallucinated and dropped spans, segment length, word-start error, decode signals."""

from __future__ import annotations

import csv
import difflib
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
CACHE = ROOT / "bench" / ".cache"


def media_dir() -> Path | None:
    for parent in ROOT.parents:
        if (parent / "shared" / "media").is_dir():
            return parent / "shared" / "media"
    return None


@dataclass(frozen=True)
class Recording:
    name: str
    path: Path | None
    kind: str  # names | timing | sample | media
    language: str | None = None
    meta: str | None = None  # JSON truth beside it


SHARED = media_dir()
RECORDINGS = [
    Recording("product_pitch (espeak)", DATA / "product_pitch.opus", "names", "en", "product_pitch.json"),
    Recording("live_pitch (piper + music)", DATA / "live_pitch_piper.opus", "names", "en", "live_pitch_piper.json"),
    Recording("word_timing (espeak)", DATA / "word_timing.opus", "timing", "en", "word_timing.json"),
    Recording("sample livestream", ROOT / "samples" / "livestream.mp4", "sample", "en"),
    *[Recording(f"shared {n}", SHARED / n if SHARED else None, "media", lang) for n, lang in (
        ("jfk.flac", "en"), ("lecture_en_60s.wav", "en"), ("es_read_9s.wav", "es"), ("vi_news_6s.wav", "vi"),
        ("zh_read_6s.wav", "zh"), ("ar_egyptian_10s.wav", "ar"))],
]


def normalize(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch if ch.isalnum() or ch.isspace() else " " for ch in text).split()


# ------------------------------------------------------------------ truth


def catalog_for(rec: Recording):  # noqa: ANN201 - reelcart.models.Catalog
    from reelcart.models import Catalog, Product

    if rec.kind == "names":
        meta = json.loads((DATA / rec.meta).read_text(encoding="utf-8"))
        rows = meta["catalog"]
    else:
        with open(ROOT / "samples" / "catalog.csv", encoding="utf-8") as f:
            rows = [{"sku": r["sku"], "name": r["name"], "aliases": [a for a in r["aliases"].split("|") if a]} for r in csv.DictReader(f)]
    return Catalog(source=rec.name, products=[
        Product(sku=r["sku"], name=r["name"], url=f"https://shop.example.com/{r['sku']}", aliases=r["aliases"]) for r in rows])


def truth_sentences(rec: Recording, catalog) -> list[dict]:  # noqa: ANN001
    """Sentences with their times and the names said in them ({text, start_s, end_s, names})."""
    if rec.kind == "names":
        return json.loads((DATA / rec.meta).read_text(encoding="utf-8"))["sentences"]
    if rec.kind != "sample":
        return []
    truth = json.loads((ROOT / "samples" / "ground_truth.json").read_text(encoding="utf-8"))
    names = sorted({t for p in catalog.products for t in (p.name, *p.aliases)}, key=len, reverse=True)
    out = []
    for s in truth["transcript"]:
        text = " ".join(normalize(s["text"]))
        said = [n for n in names if f" {' '.join(normalize(n))} " in f" {text} "]
        said = [n for n in said if not any(n != m and ' '.join(normalize(n)) in ' '.join(normalize(m)) for m in said)]
        out.append({"text": s["text"], "start_s": s["start_s"], "end_s": s["end_s"], "names": said})
    return out


# ------------------------------------------------------------------ transcription


def wav_of(rec: Recording) -> tuple[Path, float]:
    from reelcart.media.ffmpeg import run_ffmpeg
    from reelcart.stages.audio import build_extract_args, read_window

    CACHE.mkdir(parents=True, exist_ok=True)
    target = CACHE / f"hints-{rec.path.stem}.wav"
    if not target.exists():
        run_ffmpeg(build_extract_args(str(rec.path), str(target)), what="bench audio")
    return target, len(read_window(target, 0, 1e9)) / 16000


def sample_windows(duration_s: float):  # noqa: ANN201 - (windows, spike SKUs per window)
    from reelcart.config import MomentsConfig, TranscribeConfig
    from reelcart.stages import transcribe as T

    truth = json.loads((ROOT / "samples" / "ground_truth.json").read_text(encoding="utf-8"))
    spikes = [(p["spike_onset_s"], p["sku"]) for p in truth["pitches"] if p["spike"]]
    ranges = [(T.spike_range(t, duration_s, TranscribeConfig(), MomentsConfig(), 10.0), sku) for t, sku in spikes]
    windows = T.merge_ranges([r for r, _ in ranges], gap_s=5.0)
    skus = [[sku for r, sku in ranges if r.start_s < w.end_s and r.end_s > w.start_s] for w in windows]
    return windows, skus


def transcribe_recording(rec: Recording, model: str, policy: str, repair: bool):  # noqa: ANN201 - (Transcript, speech regions)
    from reelcart.config import TranscribeConfig
    from reelcart.models import TimeRange
    from reelcart.speech.activity import speech_probabilities, speech_regions
    from reelcart.stages import transcribe as T
    from reelcart.stages.audio import read_window

    if rec.path is None or not rec.path.exists():
        return None, []
    wav, duration_s = wav_of(rec)
    catalog = catalog_for(rec)
    windows, skus = [TimeRange(start_s=0.0, end_s=duration_s)], None
    if rec.kind == "sample":
        windows, skus = sample_windows(duration_s)
    elif rec.kind == "names":
        skus = [[p.sku for p in catalog.products]]
    config = TranscribeConfig(model=model, hint_policy=policy, repair=repair, language=rec.language if model != "tiny.en" else None)
    # the correct policy's name correction is applied when scoring (it is pure): the saved decode is the decoder's own
    transcript = T.transcribe_windows(wav, windows, config, None if policy == "correct" else catalog, window_products=skus, progress=False)
    regions = []
    for w in windows:
        found = speech_regions(speech_probabilities(read_window(wav, w.start_s, w.end_s)))
        regions += [(r.start_s + w.start_s, r.end_s + w.start_s) for r in found]
    return transcript, regions


# ------------------------------------------------------------------ figures


def name_scores(sentences: list[dict], transcript, catalog) -> tuple[int, int, int]:  # noqa: ANN001
    """(mentions heard right, mentions said, phantom mentions). A mention is heard right when the
    words heard over its sentence hold it (rapidfuzz ratio >= 85 on as many words); a phantom is a
    product heard in a sentence that names no term of that product."""
    words = transcript.words()
    inside = [s for s in sentences if any(w.start_s - 0.5 <= s["start_s"] and s["end_s"] <= w.end_s + 0.5 for w in transcript.windows)]
    product_of = {" ".join(normalize(t)): p.sku for p in catalog.products for t in (p.name, *p.aliases)}
    hits = total = phantom = 0
    for sentence in inside:
        heard = normalize(" ".join(w.text for w in words if w.end_s > sentence["start_s"] - 0.3 and w.start_s < sentence["end_s"] + 0.3))

        def heard_term(term: str) -> bool:
            size = len(term.split())
            grams = [" ".join(heard[i : i + size]) for i in range(max(1, len(heard) - size + 1))]
            return max((fuzz.ratio(term, g) for g in grams), default=0.0) >= 85

        said = {" ".join(normalize(n)) for n in sentence["names"]}
        for term in said:
            total += 1
            hits += heard_term(term)
        named_products = {product_of.get(t) for t in said}
        phantom += sum(1 for sku in {v for v in product_of.values()} - named_products
                       if any(heard_term(t) for t, s in product_of.items() if s == sku))
    return hits, total, phantom


def timing_error_s(transcript) -> float | None:  # noqa: ANN001
    truth = json.loads((DATA / "word_timing.json").read_text(encoding="utf-8"))["words"]
    heard = transcript.words()
    ref = ["".join(normalize(w["text"])) for w in truth]
    hyp = ["".join(normalize(w.text)) for w in heard]
    errors = [heard[b.b + k].start_s - truth[b.a + k]["start_s"]
              for b in difflib.SequenceMatcher(a=ref, b=hyp, autojunk=False).get_matching_blocks() for k in range(b.size)]
    return round(float(np.median(np.abs(errors))), 3) if errors else None


def score_transcript(rec: Recording, transcript, regions: list[tuple[float, float]]) -> dict:  # noqa: ANN001
    from reelcart.speech.activity import Region
    from reelcart.speech.quality import DecodedSegment, segment_reasons, speech_seconds, tokens, uncovered_spans

    from reelcart.speech.names import correct_segments, is_common_english

    catalog = catalog_for(rec)
    if transcript.hint_policy == "correct":
        names = [t for p in catalog.products for t in (p.name, *p.aliases)]
        segments, corrections = correct_segments(transcript.segments, names, is_common_english)
        transcript = transcript.model_copy(update={"segments": segments, "corrections": corrections})
    sentences = truth_sentences(rec, catalog)
    if rec.kind in ("media", "timing"):  # nothing named: every name heard anywhere is a phantom
        sentences = [{"start_s": s.start_s, "end_s": s.end_s, "names": []} for s in transcript.segments]
    hits, total, phantom = name_scores(sentences, transcript, catalog)
    speech = [Region(a, b) for a, b in regions]
    decoded = [DecodedSegment(tuple((w.text, w.start_s, w.end_s, w.probability) for w in s.words), s.avg_logprob, s.compression_ratio,
                              s.temperature) for s in transcript.segments]
    reasons = [segment_reasons(d, speech, frozenset()) for d in decoded]
    lengths = [s.end_s - s.start_s for s in transcript.segments]
    rates = [len([t for w in d.words for t in tokens(w[0])]) / sp for d in decoded
             if (sp := speech_seconds(speech, d.start_s, d.end_s)) >= 3.0]
    dropped = uncovered_spans(decoded, speech)
    gaps = uncovered_spans(decoded, speech, min_s=0.0)
    return {
        "name_hits": hits, "names_said": total, "phantoms": phantom,
        "hallucinated": sum(1 for r in reasons if {"repetition", "hint_echo"} & set(r)),
        "dropped": len(dropped), "dropped_s": round(sum(r.end_s - r.start_s for r in dropped), 1),
        "segments": len(lengths), "segment_mean_s": round(float(np.mean(lengths)), 1) if lengths else 0.0,
        "segment_max_s": round(max(lengths), 1) if lengths else 0.0,
        "timing_median_s": timing_error_s(transcript) if rec.kind == "timing" else None,
        "repairs": [{"start_s": r.start_s, "end_s": r.end_s, "reasons": r.reasons, "chosen": r.chosen} for r in transcript.repairs],
        "corrections": [f"{c.heard} -> {c.name}" for c in transcript.corrections],
        "signals": {"rate_min": round(min(rates), 2) if rates else None, "rate_max": round(max(rates), 2) if rates else None,
                    "uncovered_max_s": round(max((g.end_s - g.start_s for g in gaps), default=0.0), 2),
                    "logprob_min": min((s.avg_logprob for s in transcript.segments if s.avg_logprob is not None), default=None),
                    "cr_max": max((s.compression_ratio for s in transcript.segments if s.compression_ratio is not None), default=None),
                    "flags": sorted({x for r in reasons for x in r})},
    }


def summarise(rows: list[dict]) -> str:
    """Markdown: one line per ISA × model × policy (summed over the recordings), then repairs."""
    out = ["| ISA | model | policy | repair | name recall | phantom names | hallucinated spans | dropped spans | segment mean / max s | word-start median s | wall s |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    keys = sorted({(r["isa"], r["model"], r["policy"], r["repair"]) for r in rows}, key=lambda k: (k[0], k[1], k[3], k[2]))
    for key in keys:
        group = [r for r in rows if (r["isa"], r["model"], r["policy"], r["repair"]) == key]
        said = sum(r["names_said"] for r in group)
        lengths = [r["segment_mean_s"] for r in group if r["segments"]]
        timing = next((r["timing_median_s"] for r in group if r["timing_median_s"] is not None), None)
        out.append(f"| {key[0]} | {key[1]} | {key[2]} | {'on' if key[3] else 'off'} | {sum(r['name_hits'] for r in group)}/{said} | "
                   f"{sum(r['phantoms'] for r in group)} | {sum(r['hallucinated'] for r in group)} | {sum(r['dropped'] for r in group)} "
                   f"({sum(r['dropped_s'] for r in group):.1f} s) | {np.mean(lengths):.1f} / {max(r['segment_max_s'] for r in group):.1f} | "
                   f"{timing if timing is not None else '-'} | {sum(r['wall_s'] for r in group):.1f} |")
    out += ["", "Repairs (repair on):", ""]
    for r in rows:
        if r["repair"] and r["repairs"]:
            for rep in r["repairs"]:
                out.append(f"- {r['isa']} {r['model']} {r['policy']} {r['recording']}: {rep['start_s']:.1f}-{rep['end_s']:.1f} s "
                           f"{', '.join(rep['reasons'])} -> {rep['chosen']}")
    out += ["", "Signals of decodes without repair (threshold evidence):", ""]
    for r in rows:
        if not r["repair"]:
            s = r["signals"]
            out.append(f"- {r['isa']} {r['model']} {r['policy']} {r['recording']}: rate {s['rate_min']}-{s['rate_max']} w/s, "
                       f"uncovered max {s['uncovered_max_s']} s, logprob min {s['logprob_min']}, cr max {s['cr_max']}, flags {s['flags']}")
    return "\n".join(out)
