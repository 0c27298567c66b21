"""The transcription stage with the real bundled model ('base', int8 on CPU) on short real and
generated recordings: languages and scripts, word error rate, product-name hints, word timing,
cuts at pauses, the `reelcart transcribe` command and its content-hashed cache."""

from __future__ import annotations

import difflib
import json
import os
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from reelcart.cli import main
from reelcart.config import TranscribeConfig
from reelcart.errors import ModelError
from reelcart.media.ffmpeg import run_ffmpeg
from reelcart.models import Catalog, Product, TimeRange, Transcript
from reelcart.stages import transcribe as T
from reelcart.stages.audio import build_extract_args, read_window
from reelcart.speech.activity import speech_probabilities

from .conftest import SAMPLES, SHARED_MEDIA as _DEFAULT_MEDIA

DATA = Path(__file__).parent / "data"


def _find_media() -> Path:
    """../shared/media beside the checkout; from a worktree in a subfolder, the nearest one up."""
    if os.environ.get("REELCART_SHARED_MEDIA"):
        return Path(os.environ["REELCART_SHARED_MEDIA"])
    for parent in Path(__file__).resolve().parents:
        if (parent / "shared" / "media").is_dir():
            return parent / "shared" / "media"
    return _DEFAULT_MEDIA


SHARED_MEDIA = _find_media()
JFK_TEXT = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."


@pytest.fixture(scope="session")
def model():
    """Load the default model once for the whole session (transcribe_windows reuses it)."""
    return T.load_model(TranscribeConfig())


@pytest.fixture(scope="session")
def wav_of(tmp_path_factory):
    """16 kHz mono WAV of a media file, made once per session by the audio stage's ffmpeg command."""
    folder = tmp_path_factory.mktemp("wav")
    made: dict[Path, tuple[Path, float]] = {}

    def convert(source: Path) -> tuple[Path, float]:
        if source not in made:
            target = folder / f"{source.stem}.wav"
            run_ffmpeg(build_extract_args(str(source), str(target)), what="test audio")
            made[source] = (target, len(read_window(target, 0, 1e9)) / 16000)
        return made[source]

    return convert


def transcribe_file(wav_of, source: Path, config: TranscribeConfig | None = None, catalog: Catalog | None = None) -> Transcript:
    wav, duration = wav_of(source)
    return T.transcribe_windows(wav, [TimeRange(start_s=0.0, end_s=duration)], config or TranscribeConfig(), catalog, progress=False)


def normalize(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch if ch.isalnum() or ch.isspace() else " " for ch in text).split()


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = normalize(reference), normalize(hypothesis)
    return Levenshtein.distance(ref, hyp) / len(ref)


def script_share(text: str, script: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    return sum(script in unicodedata.name(ch, "") for ch in letters) / max(1, len(letters))


def text_of(t: Transcript) -> str:
    return " ".join(s.text for s in t.segments)


# ------------------------------------------------------------------ languages


def needs_media(name: str) -> Path:
    path = SHARED_MEDIA / name
    if not path.is_file():
        pytest.skip(f"shared test media {path} not found")
    return path


@pytest.mark.parametrize(
    "name, language, script, expect",
    [
        ("jfk.flac", "en", "LATIN", "ask not what your country can do for you"),
        ("es_read_9s.wav", "es", "LATIN", "las arenas son blanquecinas"),
        ("vi_news_6s.wav", "vi", "LATIN", "việt nam"),
        ("zh_read_6s.wav", "zh", "CJK", "中国今日又望创下历史"),
        ("ar_egyptian_10s.wav", "ar", "ARABIC", None),
    ],
)
def test_language_is_detected_and_text_is_in_its_script(model, wav_of, name, language, script, expect):
    t = transcribe_file(wav_of, needs_media(name))
    text = text_of(t)
    assert t.language == language and t.language_source == "detected" and t.language_probability > 0.5, (t.language, text)
    assert script_share(text, script) >= 0.9, text
    if expect:
        assert fuzz.partial_ratio(expect, " ".join(normalize(text)) if script != "CJK" else text) >= 80, text
    if language == "vi":  # Vietnamese is written with its tone marks, not bare ASCII
        assert sum(ch in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ" for ch in text.casefold()) >= 5, text
    words = t.words()
    assert words and all(w.end_s >= w.start_s for w in words)
    assert all(a.start_s <= b.start_s for a, b in zip(words, words[1:]))


def test_jfk_word_error_rate_with_the_default_model(model, wav_of):
    t = transcribe_file(wav_of, needs_media("jfk.flac"))
    assert t.model == "base" and t.device == "cpu/int8"
    assert wer(JFK_TEXT, text_of(t)) <= 0.10, text_of(t)


def test_too_little_speech_to_settle_the_language_still_gets_one(model, wav_of):
    wav, _ = wav_of(needs_media("es_read_9s.wav"))
    t = T.transcribe_windows(wav, [TimeRange(start_s=0.0, end_s=4.5)], TranscribeConfig(), progress=False)
    assert t.speech_s < T.MIN_LANGUAGE_SPEECH_S
    assert t.language == "es" and t.language_source == "detected" and t.words()


def test_preset_language_is_used_as_given(model, wav_of):
    t = transcribe_file(wav_of, needs_media("es_read_9s.wav"), TranscribeConfig(language="es"))
    assert (t.language, t.language_source, t.language_probability) == ("es", "preset", 1.0)
    assert "arenas" in normalize(text_of(t))


# ------------------------------------------------------------------ product names


def pitch_fixture() -> tuple[dict, Catalog]:
    meta = json.loads((DATA / "product_pitch.json").read_text(encoding="utf-8"))
    catalog = Catalog(source="fixture", products=[
        Product(sku=p["sku"], name=p["name"], url=f"https://shop.example.com/{p['sku']}", aliases=p["aliases"])
        for p in meta["catalog"]
    ])
    return meta, catalog


def mention_scores(meta: dict, t: Transcript) -> tuple[float, int]:
    """(share of spoken product mentions recognisable: rapidfuzz ratio >= 85 against the words
    heard in that sentence, invented names heard where nobody said them)."""
    words = t.words()
    invented = sorted({n for s in meta["sentences"] for n in s["names"]})
    hits = total = phantom = 0
    for sentence in meta["sentences"]:
        heard = normalize(" ".join(w.text for w in words if w.end_s > sentence["start_s"] - 0.3 and w.start_s < sentence["end_s"] + 0.3))
        grams = ["".join(heard[i : i + k]) for k in (1, 2) for i in range(len(heard))]
        for name in invented:
            best = max((fuzz.ratio(name.casefold(), g) for g in grams), default=0.0)
            if name in sentence["names"]:
                total += 1
                hits += best >= 85
            else:
                phantom += best >= 85
    return hits / total, phantom


def test_invented_product_names_are_put_right_without_hints(model, wav_of):
    """The default hint policy decodes without hotwords and puts heard names right by spelling and
    sound: most invented names come out right, none is invented, and every change is recorded."""
    meta, catalog = pitch_fixture()
    plain = transcribe_file(wav_of, DATA / "product_pitch.opus", TranscribeConfig(product_hints=False), catalog)
    corrected = transcribe_file(wav_of, DATA / "product_pitch.opus", TranscribeConfig(), catalog)
    assert not plain.hints and not corrected.hints and corrected.hint_policy == "correct"
    share_plain, _ = mention_scores(meta, plain)
    share, phantom = mention_scores(meta, corrected)
    print(f"product mentions recognisable: {share_plain:.0%} as heard, {share:.0%} after correction; {corrected.corrections}")
    assert share_plain <= 0.25
    assert share >= 0.6 and share - share_plain >= 0.4
    assert phantom == 0  # correction must not name products nobody said
    invented = {n.casefold() for p in catalog.products for n in (p.name, *p.aliases)}
    assert corrected.corrections and all(c.name.casefold() in invented for c in corrected.corrections)
    assert [w.text for w in plain.words()] != [w.text for w in corrected.words()]


def test_the_decoder_policy_still_feeds_names_as_hotwords(model, wav_of):
    _, catalog = pitch_fixture()
    with_hints = transcribe_file(wav_of, DATA / "product_pitch.opus", TranscribeConfig(hint_policy="decoder", repair=False), catalog)
    assert with_hints.hints and with_hints.hint_policy == "decoder" and not with_hints.corrections


# ------------------------------------------------------------------ word timing


def timing_errors(t: Transcript) -> tuple[np.ndarray, list[float], float]:
    meta = json.loads((DATA / "word_timing.json").read_text(encoding="utf-8"))
    truth = meta["words"]
    heard = t.words()
    ref = ["".join(normalize(w["text"])) for w in truth]
    hyp = ["".join(normalize(w.text)) for w in heard]
    errors = []
    for block in difflib.SequenceMatcher(a=ref, b=hyp, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            errors.append(heard[block.b + k].start_s - truth[block.a + k]["start_s"])
    # after a long silence, the first word heard once the previous one has ended must start with the
    # voice, whatever the decode made of its text (decodes differ by CPU): a start placed inside the
    # silence is the failure this catches
    spoken = [w for w in heard if w.text.strip()]
    after_silence = []
    for k, true in enumerate(truth):
        if k and true["after_long_silence"]:
            first = next((w for w in spoken if w.end_s > truth[k - 1]["end_s"] + 0.05), None)
            after_silence.append(None if first is None else round(first.start_s - true["start_s"], 3))
    return np.array(errors), after_silence, len(errors) / len(truth)


@pytest.mark.parametrize("vad", [True, False])
def test_word_starts_follow_the_voice(model, wav_of, vad):
    t = transcribe_file(wav_of, DATA / "word_timing.opus", TranscribeConfig(vad=vad))
    errors, after_silence, matched = timing_errors(t)
    err = np.abs(errors)
    print(f"vad={vad}: {len(err)} words matched, median |start error| {np.median(err):.3f} s, p95 {np.percentile(err, 95):.3f} s")
    assert matched >= 0.8  # enough words recognised for the timing figures to mean something
    assert np.median(err) <= 0.15
    assert np.percentile(err, 95) <= 0.40
    # the words after a long silence start with the voice
    assert after_silence and all(e is not None and abs(e) <= 0.3 for e in after_silence), after_silence


def test_chunks_are_cut_between_words_on_real_audio(wav_of):
    wav, duration = wav_of(DATA / "word_timing.opus")
    truth = json.loads((DATA / "word_timing.json").read_text(encoding="utf-8"))["words"]

    def probs_for(a, b):
        a, b = max(a, 0.0), min(b, duration)
        return a, speech_probabilities(read_window(wav, a, b))

    T.CUT_SEARCH_S, saved = 2.0, T.CUT_SEARCH_S
    try:
        cuts = T.split_at_pauses(0.0, duration, 5.0, probs_for)  # a cut every ~5 s, wherever the words are
    finally:
        T.CUT_SEARCH_S = saved
    assert len(cuts) >= 10
    for cut in cuts[1:-1]:
        assert not any(w["start_s"] - 0.02 < cut < w["end_s"] + 0.02 for w in truth), cut


# ------------------------------------------------------------------ command and cache


def test_transcribe_command_writes_json_srt_vtt_and_reuses_the_cache(model, tmp_path):
    jfk = needs_media("jfk.flac")
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(main, ["transcribe", str(jfk), "--catalog", str(SAMPLES / "catalog.csv"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    transcript = Transcript.model_validate_json((out / "transcript.json").read_text(encoding="utf-8"))
    assert transcript.language == "en" and transcript.hint_policy == "correct" and transcript.windows == [TimeRange(start_s=0.0, end_s=11.0)]
    assert wer(JFK_TEXT, text_of(transcript)) <= 0.10
    assert all(0 <= w.probability <= 1 for w in transcript.words())
    srt = (out / "transcript.srt").read_text(encoding="utf-8")
    vtt = (out / "transcript.vtt").read_text(encoding="utf-8")
    assert srt.startswith("1\n00:00:0") and "country" in srt
    assert vtt.startswith("WEBVTT") and vtt.count(" --> ") == srt.count(" --> ") >= 2

    again = runner.invoke(main, ["transcribe", str(jfk), "--catalog", str(SAMPLES / "catalog.csv"), "--out", str(out)])
    assert again.exit_code == 0 and "(from cache)" in again.output

    # the same sound in another container: probe and audio run again, the transcript is reused
    copy = tmp_path / "jfk-copy.mka"
    run_ffmpeg(["-i", str(jfk), "-c:a", "copy", "-metadata", "title=re-muxed", str(copy)], what="copy")
    moved = runner.invoke(main, ["transcribe", str(copy), "--catalog", str(SAMPLES / "catalog.csv"), "--out", str(out)])
    assert moved.exit_code == 0, moved.output
    assert "probe       done" in moved.output and "transcribe  cached" in moved.output

    # a range, and options that change the transcript, run again
    ranged = runner.invoke(main, ["transcribe", str(jfk), "--out", str(out), "--start", "0:03", "--end", "8.5"])
    assert ranged.exit_code == 0, ranged.output
    part = Transcript.model_validate_json((out / "transcript.json").read_text(encoding="utf-8"))
    assert part.windows == [TimeRange(start_s=3.0, end_s=8.5)] and not part.hints
    assert all(3.0 <= w.start_s and w.end_s <= 8.5 + 0.05 for w in part.words())
    assert "transcribe  done" in ranged.output


def test_transcribe_command_errors_are_one_line(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(main, ["transcribe", str(tmp_path / "nope.mp4")])
    assert missing.exit_code == 2 and "recording not found" in missing.output
    jfk = needs_media("jfk.flac")
    bad_model = runner.invoke(main, ["transcribe", str(jfk), "--out", str(tmp_path / "o"), "--model", "whisper-gigantic"])
    assert bad_model.exit_code == 4 and "unknown speech model 'whisper-gigantic'" in bad_model.output
    assert "Traceback" not in bad_model.output
    bad_time = runner.invoke(main, ["transcribe", str(jfk), "--start", "soon"])
    assert bad_time.exit_code == 2 and "not a time" in bad_time.output


# ------------------------------------------------------------------ parallel lanes


def test_lanes_split_the_cores_and_a_gpu_takes_one_chunk_at_a_time():
    assert T.decoder_lanes("cpu/int8", chunks=6, threads=2) == (2, 1)
    assert T.decoder_lanes("cpu/int8", chunks=3, threads=8) == (3, 2)
    assert T.decoder_lanes("cpu/int8", chunks=1, threads=4) == (1, 4)
    assert T.decoder_lanes("cuda/float16", chunks=9, threads=8) == (1, 8)
    assert T.decoder_lanes("cpu/int8", chunks=30, threads=16) == (4, 4)  # at most MAX_LANES
    assert T.decoder_lanes("cpu/int8", chunks=30, threads=16, available_bytes=T.LANE_BYTES * 2 + 1) == (2, 8)  # what memory holds
    assert T.decoder_lanes("cpu/int8", chunks=30, threads=2, available_bytes=0) == (1, 2)


def test_words_do_not_depend_on_lanes_or_on_earlier_chunks(wav_of, monkeypatch):
    """Every chunk gets a fresh CTranslate2 replica (so the fallback's sampler starts from the seed
    for each chunk): one lane or two, and a chunk alone or after others, give the same words."""
    wav, duration = wav_of(DATA / "product_pitch.opus")
    made = []
    real = T.fresh_decoder

    def counting(model, info, device, threads):  # noqa: ANN001, ANN202
        decoder = real(model, info, device, threads)
        assert decoder.model is not model.model and decoder.hf_tokenizer is model.hf_tokenizer
        made.append(threads)
        return decoder

    monkeypatch.setattr(T.run, "fresh_decoder", counting)
    whole = [TimeRange(start_s=0.0, end_s=duration)]

    def words(threads: int, windows=whole) -> list[tuple[str, float, float]]:
        config = TranscribeConfig(model="tiny.en", chunk_s=30, cpu_threads=threads)
        t = T.transcribe_windows(wav, windows, config, progress=False)
        return [(w.text, w.start_s, w.end_s) for w in t.words()]

    one_lane = words(1)
    assert made and set(made) == {1}
    chunks = len(made)
    assert chunks >= 2  # the fixture is cut into several chunks, each decoded by a replica of its own
    made.clear()
    two_lanes = words(2)
    assert made == [1] * chunks  # two lanes of one thread each
    assert two_lanes == one_lane
    starts = [w[1] for w in two_lanes]
    assert starts == sorted(starts)  # the lanes' chunks are put back in order
    # the last chunk alone, in a process that decoded other chunks before: the same words there
    def probs_for(a: float, b: float):  # noqa: ANN202
        a, b = max(a, 0.0), min(b, duration)
        return a, speech_probabilities(read_window(wav, a, b))

    last_start = T.split_at_pauses(0.0, duration, 30, probs_for)[-2]
    alone = words(1, [TimeRange(start_s=last_start, end_s=duration)])
    assert alone == [w for w in one_lane if w[1] >= last_start]


def test_a_failing_lane_stops_the_others_and_reports_its_error(wav_of, monkeypatch):
    wav, duration = wav_of(DATA / "product_pitch.opus")
    real = T.transcribe_chunk
    calls = []

    def failing(model, audio, regions, offset_s, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        calls.append(offset_s)
        if offset_s > 0:
            raise ModelError("decoder broke")
        return real(model, audio, regions, offset_s, *args, **kwargs)

    monkeypatch.setattr(T.run, "transcribe_chunk", failing)
    with pytest.raises(ModelError, match="decoder broke"):
        T.transcribe_windows(wav, [TimeRange(start_s=0.0, end_s=duration)],
                             TranscribeConfig(model="tiny.en", chunk_s=30, cpu_threads=2), progress=False)
