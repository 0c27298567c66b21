#!/usr/bin/env python3
"""Generate the committed speech fixtures of the transcription tests (run once; deterministic).

    python tests/data/generate_transcribe_fixtures.py

Writes, next to this script:

* ``word_timing.opus`` + ``word_timing.json``: English words spoken one at a time by espeak-ng
  and placed at known offsets: short gaps between the words of a phrase, longer gaps between
  phrases, and two long silences (9 s and 14 s) before a phrase. The JSON holds every word's true
  start and end (first and last sample above the word's energy floor), so tests can measure
  the error of the recogniser's word timestamps.
* ``product_pitch.opus`` + ``product_pitch.json``: a live-seller monologue that names products
  whose names are invented words (Zyntrelle, Quorvani, …). The JSON holds the catalog (names and
  aliases) and every sentence with its time range and the product names it says, so tests can
  count how many mentions come out recognisably with and without product hints.

Both are 16 kHz mono Ogg Opus at 24 kb/s (the script checks that decoding keeps every sample in place) with a faint deterministic noise
floor so that "silence" is not digital zero. Needs numpy, imageio-ffmpeg and ``espeak-ng``.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import wave
from pathlib import Path

import imageio_ffmpeg
import numpy as np

OUT = Path(__file__).resolve().parent
RATE = 16000
SEED = 3
VOICE, WPM = "en-us", 150
NOISE_RMS = 0.0015  # about -56 dBFS
OPUS_BITRATE = "24k"  # Opus (lossy but sample-aligned: checked after encoding) keeps the files small

# ------------------------------------------------------------------ word timing
PHRASES = [
    "please tap the orange cart now",
    "this serum feels light and fresh",
    "we only have a few left",
    "the bottle keeps water cold all day",
    "my favorite color is the deep green",
    "thank you all for watching",
    "grab yours before midnight tonight",
]
LEAD_S = 2.5
WORD_GAP_S = (0.12, 0.35)
PHRASE_GAP_S = (1.2, 2.0)
LONG_SILENCE_BEFORE = {3: 9.0, 5: 14.0}  # phrase index -> silence before it (s)
TAIL_S = 2.0

# ------------------------------------------------------------------ product pitch
CATALOG = [
    {"sku": "ZYN-01", "name": "Zyntrelle Serum", "aliases": ["Zyntrelle"]},
    {"sku": "QRV-02", "name": "Quorvani Lamp", "aliases": ["Quorvani"]},
    {"sku": "BLX-03", "name": "Blixomatic Blender", "aliases": ["Blixomatic"]},
    {"sku": "TRV-04", "name": "Trivexa Tote", "aliases": ["Trivexa"]},
    {"sku": "KRX-05", "name": "Krellix Earbuds", "aliases": ["Krellix"]},
    {"sku": "VNT-06", "name": "Vantorique Boots", "aliases": ["Vantorique"]},
]
# (sentence, invented names it says)
PITCH = [
    ("Hello everyone and welcome back to the live show.", []),
    ("First up tonight is the Zyntrelle serum, and it is amazing on dry skin.", ["Zyntrelle"]),
    ("I put two drops of Zyntrelle on every morning.", ["Zyntrelle"]),
    ("Next I have the Quorvani lamp for your bedside table.", ["Quorvani"]),
    ("The Quorvani glows warm and soft all night long.", ["Quorvani"]),
    ("Now the kitchen hero, the Blixomatic blender.", ["Blixomatic"]),
    ("My Blixomatic makes a smoothie in ten seconds.", ["Blixomatic"]),
    ("For the weekend you will love the Trivexa tote bag.", ["Trivexa"]),
    ("The Trivexa holds a laptop and a water bottle.", ["Trivexa"]),
    ("Music lovers, these are the Krellix earbuds.", ["Krellix"]),
    ("Krellix battery lasts a full day.", ["Krellix"]),
    ("And last, the Vantorique boots are back in stock.", ["Vantorique"]),
    ("Tap the orange cart to get your Vantorique boots today.", ["Vantorique"]),
]
SENTENCE_GAP_S = 0.5


def espeak(text: str, tmp: Path) -> np.ndarray:
    path = tmp / "say.wav"
    subprocess.run(["espeak-ng", "-v", VOICE, "-s", str(WPM), "-w", str(path), text], check=True)
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    # resample espeak's 22.05 kHz to 16 kHz by linear interpolation (speech band only)
    n_out = int(round(len(data) * RATE / rate))
    x_out = np.arange(n_out) * (rate / RATE)
    return np.interp(x_out, np.arange(len(data)), data).astype(np.float32)


def trim(samples: np.ndarray) -> np.ndarray:
    """Cut leading and trailing silence: keep from the first to the last 2 ms frame within
    40 dB of the loudest frame."""
    frame = RATE // 500
    n = len(samples) // frame
    rms = np.sqrt(np.mean(samples[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    loud = np.flatnonzero(rms >= rms.max() * 10 ** (-40 / 20))
    return samples[loud[0] * frame : (loud[-1] + 1) * frame]


def write_flac(samples: np.ndarray, target: Path) -> None:
    rng = np.random.default_rng(SEED)
    mixed = samples + rng.normal(0.0, NOISE_RMS, len(samples)).astype(np.float32)
    pcm = (np.clip(mixed, -1, 1) * 32767).astype("<i2")
    with tempfile.TemporaryDirectory() as tmp:
        wav_path = Path(tmp) / "x.wav"
        with wave.open(str(wav_path), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(RATE)
            wav.writeframes(pcm.tobytes())
        subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav_path),
             "-c:a", "libopus", "-b:a", OPUS_BITRATE, "-application", "voip", "-map_metadata", "-1",
             "-fflags", "+bitexact", "-flags:a", "+bitexact", str(target)],
            check=True,
        )
    check_alignment(pcm.astype(np.float32) / 32768.0, target)


def decode(path: Path) -> np.ndarray:
    out = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", str(path), "-ac", "1",
         "-ar", str(RATE), "-f", "s16le", "-"],
        check=True, capture_output=True,
    ).stdout
    return np.frombuffer(out, dtype="<i2").astype(np.float32) / 32768.0


def check_alignment(original: np.ndarray, encoded: Path) -> None:
    """The lossy file must keep every sample where it was (pre-skip handled): lag 0 +- 1 ms."""
    decoded = decode(encoded)
    n = min(len(original), len(decoded))
    assert abs(len(decoded) - len(original)) <= RATE // 100, (len(decoded), len(original))
    a, b = original[:n], decoded[:n]
    lags = range(-80, 81)
    scores = [float(np.dot(a[max(0, -k): n - max(0, k)], b[max(0, k): n - max(0, -k)])) for k in lags]
    lag = list(lags)[int(np.argmax(scores))]
    assert abs(lag) <= RATE // 1000, f"{encoded.name}: decoded audio is shifted by {lag} samples"


def word_timing(tmp: Path) -> None:
    rng = np.random.default_rng(SEED)
    pieces: list[np.ndarray] = [np.zeros(int(LEAD_S * RATE), np.float32)]
    cursor = len(pieces[0])
    words = []
    for p, phrase in enumerate(PHRASES):
        if p:
            gap = LONG_SILENCE_BEFORE.get(p, rng.uniform(*PHRASE_GAP_S))
            pieces.append(np.zeros(int(gap * RATE), np.float32))
            cursor += len(pieces[-1])
        for w, token in enumerate(phrase.split()):
            if w:
                pieces.append(np.zeros(int(rng.uniform(*WORD_GAP_S) * RATE), np.float32))
                cursor += len(pieces[-1])
            audio = trim(espeak(token, tmp))
            words.append({
                "text": token, "phrase": p, "start_s": round(cursor / RATE, 4),
                "end_s": round((cursor + len(audio)) / RATE, 4),
                "after_long_silence": w == 0 and p in LONG_SILENCE_BEFORE,
            })
            pieces.append(audio)
            cursor += len(audio)
    pieces.append(np.zeros(int(TAIL_S * RATE), np.float32))
    samples = np.concatenate(pieces)
    write_flac(samples, OUT / "word_timing.opus")
    meta = {
        "description": "espeak-ng words placed one by one at known offsets; start_s/end_s are the true bounds",
        "sample_rate_hz": RATE, "duration_s": round(len(samples) / RATE, 3), "voice": VOICE, "wpm": WPM,
        "words": words,
    }
    (OUT / "word_timing.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def product_pitch(tmp: Path) -> None:
    pieces = [np.zeros(int(1.0 * RATE), np.float32)]
    cursor = len(pieces[0])
    sentences = []
    for text, names in PITCH:
        audio = trim(espeak(text, tmp))
        sentences.append({"text": text, "names": names, "start_s": round(cursor / RATE, 3),
                          "end_s": round((cursor + len(audio)) / RATE, 3)})
        pieces += [audio, np.zeros(int(SENTENCE_GAP_S * RATE), np.float32)]
        cursor += len(audio) + int(SENTENCE_GAP_S * RATE)
    pieces.append(np.zeros(int(1.0 * RATE), np.float32))
    samples = np.concatenate(pieces)
    write_flac(samples, OUT / "product_pitch.opus")
    meta = {
        "description": "espeak-ng live-seller monologue naming products with invented names",
        "sample_rate_hz": RATE, "duration_s": round(len(samples) / RATE, 3), "voice": VOICE, "wpm": WPM,
        "catalog": CATALOG, "sentences": sentences,
    }
    (OUT / "product_pitch.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        word_timing(Path(tmp))
        product_pitch(Path(tmp))
    for name in ("word_timing.opus", "product_pitch.opus"):
        print(f"{OUT / name}: {(OUT / name).stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
