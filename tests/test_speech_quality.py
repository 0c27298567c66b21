"""Failed-decode signals, the quality score and name correction (pure), and the repair of a failed
decode on real audio with the real model (the failure injected, the repair real)."""

from __future__ import annotations

import numpy as np
import pytest

from reelcart.config import TranscribeConfig
from reelcart.models import Segment, Word
from reelcart.speech import quality as Q
from reelcart.speech.activity import Region
from reelcart.speech.names import correct_segments, find_corrections, is_common_english


def seg(words: list[tuple[str, float, float]], **stats) -> Q.DecodedSegment:
    return Q.DecodedSegment(tuple((t, a, b, 0.9) for t, a, b in words), **stats)


def spoken(text: str, start_s: float, wps: float = 3.0) -> list[tuple[str, float, float]]:
    out, t = [], start_s
    for token in text.split():
        out.append((token, round(t, 3), round(t + 0.8 / wps, 3)))
        t += 1 / wps
    return out


def test_repeated_ngrams_are_found_and_ordinary_speech_is_not():
    assert Q.repeated_share(Q.tokens("water bottle. water bottle.")) == 1.0
    assert Q.repeated_share(Q.tokens("no no no no")) == 1.0
    assert Q.repeated_share(Q.tokens("no, no, it is fine")) == 0.0  # a word twice is speech
    assert Q.repeated_share(Q.tokens("tap the orange cart below to grab yours")) == 0.0
    share = Q.repeated_share(Q.tokens("so good so good so good and then the rest of the sentence"))
    assert 0.4 < share < 0.6


def test_a_segment_of_hint_words_only_is_an_echo():
    hints = Q.hint_vocabulary("Velvet Glow Serum. Bamboo Water Bottle. Water Bottle.")
    assert Q.hint_echo(Q.tokens("water bottle."), hints)
    assert not Q.hint_echo(Q.tokens("one bottle of velvet glow serum lasts"), hints)
    assert not Q.hint_echo(Q.tokens("water bottle."), frozenset())


def test_uncovered_speech_is_joined_across_breaths_and_measured():
    regions = [Region(0.0, 2.0), Region(2.3, 4.0), Region(4.4, 6.0), Region(10.0, 11.0)]
    covered = [seg(spoken("hello there", 0.0))]  # words up to ~0.6 s
    spans = Q.uncovered_spans(covered, regions)
    assert len(spans) == 1 and spans[0].start_s == pytest.approx(0.9, abs=0.05) and spans[0].end_s == 6.0
    assert Q.uncovered_spans([seg(spoken("a b c d e f g h i j k l m n o p q r", 0.0))], regions[:3]) == []


def test_each_signal_names_its_reason():
    regions = [Region(40.0, 57.0)]
    echo = seg([("water", 40.2, 40.6), ("bottle.", 40.6, 41.0), ("water", 56.5, 56.8), ("bottle.", 56.8, 57.0)],
               avg_logprob=-1.3, compression_ratio=1.1, temperature=1.0)
    reasons = Q.segment_reasons(echo, regions, Q.hint_vocabulary("Water Bottle."))
    assert reasons == ["repetition", "hint_echo", "word_rate", "low_logprob", "fallback_exhausted"]
    fine = seg(spoken("one bottle of velvet glow serum lasts about three months so it is great", 40.0), avg_logprob=-0.3,
               compression_ratio=1.5, temperature=0.0)
    assert Q.segment_reasons(fine, [Region(40.0, 45.0)], frozenset()) == []
    long = seg(spoken(" ".join(["word"] * 20), 0.0, wps=0.7), avg_logprob=-0.2)
    assert "long_segment" in Q.segment_reasons(long, [], frozenset())


def test_suspects_merge_and_the_score_prefers_the_believable_decode():
    regions = [Region(30.0, 36.0), Region(36.4, 41.9), Region(42.3, 47.6)]
    bad = [seg([("water", 40.2, 40.6), ("bottle.", 40.6, 41.0), ("water", 47.0, 47.2), ("bottle.", 47.2, 47.5)], temperature=1.0)]
    suspects = Q.find_suspects(bad, regions, Q.hint_vocabulary("Water Bottle."))
    assert len(suspects) == 1 and suspects[0].start_s == 30.0 and suspects[0].end_s == 47.5
    assert {"uncovered_speech", "repetition", "hint_echo"} <= set(suspects[0].reasons)
    good = [seg(spoken("i use it every single morning before sunscreen and it never feels sticky", 30.0)),
            seg(spoken("after two weeks my friends kept asking what i changed and honestly this was it", 36.4)),
            seg(spoken("one bottle of velvet glow serum lasts about three months", 42.3, wps=2.0))]
    assert Q.find_suspects(good, regions) == []
    assert Q.quality_score(good, regions) > 0.8 > 0.3 > Q.quality_score(bad, regions, Q.hint_vocabulary("Water Bottle."))
    assert Q.quality_score([], []) == 1.0 and Q.quality_score([], regions) == 0.0


def is_common(word: str) -> bool:
    return is_common_english(word)  # the English model's vocabulary, as the stage uses it


NAMES = ["Zyntrelle Serum", "Zyntrelle", "Blixomatic Blender", "Blixomatic", "Krellix Earbuds", "Krellix",
         "Vantorique Boots", "Nimbra Pillow", "Nimbra", "Orbeko Speaker", "Orbeko", "Velvet Glow Serum", "Glow Serum",
         "the serum", "Bamboo Water Bottle", "water bottle", "backpack"]


@pytest.mark.parametrize("heard, name", [
    ("first up tonight is the Winter L Serum, and it is amazing", "Zyntrelle Serum"),
    ("now the kitchen hero, the blick -sematic blender.", "Blixomatic Blender"),
    ("music lovers, these are the crellics earbuds.", "Krellix Earbuds"),
    ("and last, the mentoring boots are back in stock", "Vantorique Boots"),
    ("get your number pillow now before they are all gone", "Nimbra Pillow"),
    ("this little orbiko fills a whole room", "Orbeko"),
])
def test_heard_names_are_put_right(heard, name):
    found = find_corrections(heard.split(), NAMES, is_common=is_common)
    assert [c.name for c in found] == [name]


@pytest.mark.parametrize("heard", [
    "it is a lightweight vitamin C serum that sinks in fast",  # not the Glow Serum
    "the number is made of soft memory foam",  # a common word never becomes a one-word name
    "after two weeks my friends kept asking what i changed and honestly this was it. one bottle",
    "i put the serum on every morning",  # part of a name, heard right
    "two new backpacks for the trip",  # a form of the name
    "and so my fellow americans ask not what your country can do for you",
    "please tap the orange card below to grab yours while stocks last",
    "music lovers, these are the earbuds",  # "these are" is not "the serum"
    "thanks for sharing the stream with your friends",  # "the stream" is not "the serum"
    "this serum is my favourite",
    "first up tonight is the velvet, low serum.",  # common words only: left for the fuzzy matcher
])
def test_ordinary_speech_is_left_alone(heard):
    assert find_corrections(heard.split(), NAMES, is_common=is_common) == []


def test_common_english_words_are_told_from_invented_names():
    assert all(is_common_english(w) for w in ("serum", "the", "stream", "number", "pillow", "bottle"))
    assert not any(is_common_english(w) for w in ("nimbra", "krellix", "orbeko", "vantorique", "zyntrelle"))


def test_correction_keeps_times_and_punctuation_across_segments():
    words_a = [Word(text=t, start_s=i * 0.5, end_s=i * 0.5 + 0.4) for i, t in enumerate(["Next,", "the", "blick"])]
    words_b = [Word(text=t, start_s=1.5 + i * 0.5, end_s=1.9 + i * 0.5) for i, t in enumerate(["-sematic", "blender.", "Wow."])]
    segments = [Segment(start_s=0.0, end_s=1.4, text="Next, the blick", words=words_a),
                Segment(start_s=1.5, end_s=2.9, text="-sematic blender. Wow.", words=words_b)]
    fixed, records = correct_segments(segments, NAMES, is_common)
    assert [s.text for s in fixed] == ["Next, the Blixomatic", "Blender. Wow."]
    assert fixed[0].words[-1].start_s == 1.0 and fixed[0].words[-1].end_s == pytest.approx(1.9)  # stretched over the dropped word
    assert fixed[1].words[0].text == "Blender." and fixed[1].words[0].start_s == 2.0
    assert len(records) == 1 and records[0].heard == "blick -sematic blender." and records[0].start_s == 1.0


# ------------------------------------------------------------------ repair on real audio


def test_an_injected_hint_echo_is_found_and_repaired_with_the_real_model(monkeypatch, tmp_path):
    """The sample's first pitch; the first decode of the call to action is replaced by the echo
    seen on AVX2 ("water bottle. water bottle.") and the stage must decode that span again."""
    from reelcart.media.ffmpeg import run_ffmpeg
    from reelcart.models import TimeRange
    from reelcart.speech import decoder as D
    from reelcart.stages import transcribe as T
    from reelcart.stages.audio import build_extract_args

    from .conftest import SAMPLES

    wav = tmp_path / "clip.wav"
    run_ffmpeg([*build_extract_args(str(SAMPLES / "livestream.mp4"), str(wav))[:-1], "-t", "60", str(wav)], what="test audio")
    real = D.transcribe_chunk
    calls = []

    def first_decode_fails(model, audio, regions, offset_s, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        found, language = real(model, audio, regions, offset_s, *args, **kwargs)
        calls.append(offset_s)
        if len(calls) == 1:  # keep what comes before 40 s, then the echo over the rest
            kept = [p for p in found if p.end_s < 40.0]
            times = np.array([[40.2, 40.6, 0.4], [40.6, 41.0, 0.4], [56.8, 57.1, 0.4], [57.1, 57.4, 0.4]])
            found = kept + [D.PackedSegment("water bottle. water bottle.", ("water", "bottle.", "water", "bottle."), times,
                                            (-1.28, 1.08, 0.38, 1.0))]
        return found, language

    monkeypatch.setattr(T.run, "transcribe_chunk", first_decode_fails)
    monkeypatch.setattr("reelcart.speech.repair.transcribe_chunk", real)
    t = T.transcribe_windows(wav, [TimeRange(start_s=0.0, end_s=60.0)], TranscribeConfig(model="tiny.en", hint_policy="decoder"),
                             progress=False)
    assert len(t.repairs) == 1, t.repairs
    repair = t.repairs[0]
    assert repair.start_s <= 40.2 and repair.end_s >= 57.4 and "repetition" in repair.reasons
    assert repair.chosen != "original" and repair.attempts[0].name == "original"
    chosen = next(a for a in repair.attempts if a.name == repair.chosen)
    assert chosen.score > repair.attempts[0].score and not chosen.suspects
    text = " ".join(s.text for s in t.segments).casefold()
    assert "water bottle. water bottle" not in text
    assert "orange" in text and "grab yours" in text  # the call to action is back
