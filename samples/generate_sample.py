#!/usr/bin/env python3
"""Generate the committed reelcart sample media (deterministic).

Run from the repository root (or anywhere):

    python samples/generate_sample.py

It rewrites, next to this script:

* livestream.mp4   ~4 min 1280x720 25 fps H.264 + AAC mono recording of a fake
                   English live-shopping show (espeak-ng speech, ffmpeg-drawn video)
* catalog.csv      product catalog (pitched products + never-pitched decoys)
* orders.csv       order log: Poisson background trickle, three post-pitch
                   spikes, one bulk gift-card decoy, a few duplicate rows
* ground_truth.json  pitch timeline (pitch start, CTA end, spike onset) and
                   the sentence-level transcript with exact offsets

Requirements: numpy, imageio-ffmpeg (static ffmpeg with libx264/drawtext),
`espeak-ng` on PATH and the DejaVu fonts. Everything is seeded; espeak-ng and
x264 are deterministic, so re-running yields the same timeline and CSVs.
"""
from __future__ import annotations

import csv
import json
import subprocess
import tempfile
import wave
from datetime import datetime, timedelta, timezone
from pathlib import Path

import imageio_ffmpeg
import numpy as np

# --------------------------------------------------------------------------- constants
OUT_DIR = Path(__file__).resolve().parent
SEED = 20261120
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

# Stream start: 19:00 local time in UTC+07:00 (== 12:00Z), used for the mp4
# creation_time tag and as the zero point of every *_s offset.
LOCAL_TZ = timezone(timedelta(hours=7))
STREAM_START = datetime(2026, 11, 20, 19, 0, 0, tzinfo=LOCAL_TZ)

VOICE, WPM, SAMPLE_RATE = "en-us", 150, 22050   # espeak-ng writes 22.05 kHz mono
SENTENCE_GAP_S, SECTION_GAP_S, LEAD_IN_S, TAIL_S = 0.45, 1.5, 1.0, 2.0
W, H, FPS, CRF, PRESET = 1280, 720, 25, 30, "veryfast"
AUDIO_BITRATE, AUDIO_RATE = "64k", 44100
SWING_PX = 256          # presenter centre swings +-20 % of the width
SPRITE_W, SPRITE_H = 360, 590   # tall enough to run off the bottom edge

BACKGROUND_ORDERS_PER_MIN = 1.0   # Poisson trickle over the whole show, all SKUs
BACKGROUND_WEIGHTS = {"SKU-GLOW-30": 4, "SKU-BAMBOO-750": 3, "SKU-CLOUD-BLK": 3,
                      "SKU-TRAIL-28": 2, "SKU-GIFT-50": 1, "SKU-CANDLE-AMB": 2}
CURRENCY = "USD"

# sku, name, slug/url tail, price, aliases, image, card colour
PRODUCTS = [
    ("SKU-GLOW-30", "Velvet Glow Serum", "velvet-glow-serum", 24.90,
     "glow serum|velvet glow|velvet glow serum 30 ml|the serum", "https://shop.example.com/img/glow.jpg", "0xE0457B"),
    ("SKU-BAMBOO-750", "Bamboo Water Bottle", "bamboo-water-bottle", 18.50,
     "bamboo bottle|water bottle|bamboo flask", "", "0x2E9E5B"),
    ("SKU-CLOUD-BLK", "Cloud Comfort Blanket", "cloud-comfort-blanket?variant=123", 39.00,
     "cloud blanket|cloud comfort|comfort blanket|fleece blanket", "https://shop.example.com/img/blanket.jpg",
     "0x3D7BE0"),
    ("SKU-TRAIL-28", "Summit Trail Backpack", "summit-trail-backpack", 64.00,
     "trail backpack|summit backpack|summit trail pack|backpack", "", "0xE08A2E"),
    # never pitched on stream
    ("SKU-GIFT-50", "Gift Card 50", "gift-card-50", 50.00, "gift card|voucher", "", None),
    ("SKU-CANDLE-AMB", "Amber Soy Candle", "amber-soy-candle", 14.00, "amber candle|soy candle", "", None),
]
PRICE = {p[0]: p[3] for p in PRODUCTS}

# Show script: (kind, sku or None, [sentences]).  In a pitch the LAST sentence is
# the call to action; `stale` lists live-only phrases a reel should not keep.
SCRIPT = [
    ("intro", None, [
        "Hello everyone, and welcome back to Friday Deals Live!",
        "I can see so many of you joining already, hi from the studio.",
        "Grab a drink and get comfy, because we have some really great finds for you tonight.",
        "Four brand new products, and a few surprises along the way, so stay with me.",
    ]),
    ("pitch", "SKU-GLOW-30", [
        "First up tonight is the Velvet Glow Serum.",
        "It is a lightweight vitamin C serum that sinks in fast and leaves your skin bright and fresh.",
        "I use it every single morning before sunscreen, and it never feels sticky.",
        "After two weeks my friends kept asking what I changed, and honestly, this was it.",
        "One bottle of Velvet Glow Serum lasts about three months, so it is great value.",
        "Tap the orange cart below to grab yours.",
    ]),
    ("chat", None, [
        "Oh, it is pouring with rain here in the city tonight, I hope you are all staying dry.",
        "Thank you Maria for the lovely comment, and hello to Kevin, who watches every single week.",
        "Someone asked about the plant behind me. It is a fern, and it is still alive, barely.",
        "And a big hello to everyone joining from the early shift, I see you.",
    ]),
    ("pitch", "SKU-BAMBOO-750", [
        "Next, let me show you the Bamboo Water Bottle.",
        "It has a real bamboo lid and a double steel wall, so your water stays cold for a full day.",
        "The Bamboo Water Bottle fits in every car cup holder, and it will not leak in your bag.",
        "It comes in three colours, and honestly I love the green one.",
        "I carry the Bamboo Water Bottle to the gym, to the office, everywhere.",
        "The link is up at the top of the chat, so go and check it out.",
    ]),
    ("chat", None, [
        "Thanks to Priya and Tom for sharing the stream with your friends.",
        "We just crossed one thousand viewers, that is amazing, thank you all so much.",
        "Let me have a quick sip of tea before the next one.",
        "Mmm, that is better.",
    ]),
    ("pitch", "SKU-CLOUD-BLK", [
        "Okay, this one is my personal favourite, the Cloud Comfort Blanket.",
        "It is a thick and fluffy fleece that keeps you warm all night long, and it washes like a dream.",
        "Comment below if you always feel cold at night, because the Cloud Comfort Blanket was made for you.",
        "I have two at home, and my partner stole one on the very first night.",
        "For the next five minutes only, it is twenty percent off.",
        "Only twenty left, grab yours quickly.",
    ]),
    ("chat", None, [
        "Wow, the chat is moving so fast, I can hardly keep up.",
        "Hello to Jamal watching from Jakarta, and to Sofia, so good to see you again.",
        "My neighbour says it is already snowing up in the mountains.",
        "Daniel is asking what music I listen to while I work, mostly old jazz records.",
    ]),
    ("pitch", "SKU-TRAIL-28", [
        "Last but not least, the Summit Trail Backpack.",
        "It holds twenty eight litres, it has a padded laptop sleeve, and a rain cover tucked in the bottom.",
        "I took the Summit Trail Backpack on a weekend hike, and my shoulders felt great the whole way.",
        "The zips are waterproof, and there are two side pockets for your bottles.",
        "Tap the link at the top of the screen, and grab yours before the weekend.",
    ]),
    ("chat", None, [
        "Phew, that was a lot of talking, thank you for sticking with me.",
        "Lucy says her cat is watching the stream with her, hello to the cat.",
        "Someone asked when the next show is, and yes, we are live again next week.",
    ]),
    ("outro", None, [
        "That is all for tonight, thank you so much for hanging out with me.",
        "Thank you again to everyone in the chat, you made my evening.",
        "See you next Friday, and have a wonderful weekend, bye bye!",
    ]),
]
STALE_PHRASES = {"SKU-CLOUD-BLK": ["comment below", "for the next five minutes only"]}

# Order spikes after pitches: sku -> (lag after CTA end s, duration s, n orders).
# The fourth pitch (backpack) deliberately gets no spike.
SPIKES = {"SKU-GLOW-30": (14, 45, 32), "SKU-BAMBOO-750": (31, 55, 22), "SKU-CLOUD-BLK": (12, 35, 18)}
DECOY = ("SKU-GIFT-50", 50)           # bulk gift-card order during a chit-chat section
N_DUPLICATES = 3


# --------------------------------------------------------------------------- audio
def synth_sentence(text: str, path: Path) -> np.ndarray:
    """espeak-ng one sentence to WAV; return int16 samples with silence trimmed."""
    subprocess.run(["espeak-ng", "-v", VOICE, "-s", str(WPM), "-w", str(path), text],
                   check=True, capture_output=True)
    with wave.open(str(path), "rb") as wf:
        assert wf.getframerate() == SAMPLE_RATE and wf.getnchannels() == 1
        pcm = np.frombuffer(wf.readframes(wf.getnframes()), dtype=np.int16)
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > 300)
    return pcm[max(loud[0] - 220, 0): loud[-1] + 220] if loud.size else pcm


def build_audio(wav_path: Path, tmp: Path) -> tuple[list[dict], float]:
    """Concatenate all sentences with fixed gaps; return the timeline and duration."""
    chunks, timeline, cursor = [np.zeros(int(LEAD_IN_S * SAMPLE_RATE), np.int16)], [], LEAD_IN_S
    for si, (kind, sku, sentences) in enumerate(SCRIPT):
        if si:
            chunks.append(np.zeros(int(SECTION_GAP_S * SAMPLE_RATE), np.int16))
            cursor += SECTION_GAP_S
        for ji, text in enumerate(sentences):
            if ji:
                chunks.append(np.zeros(int(SENTENCE_GAP_S * SAMPLE_RATE), np.int16))
                cursor += SENTENCE_GAP_S
            pcm = synth_sentence(text, tmp / f"s{si:02d}_{ji:02d}.wav")
            dur = len(pcm) / SAMPLE_RATE
            timeline.append({"section": si, "kind": kind, "sku": sku, "text": text,
                             "start_s": round(cursor, 3), "end_s": round(cursor + dur, 3)})
            chunks.append(pcm)
            cursor += dur
    chunks.append(np.zeros(int(TAIL_S * SAMPLE_RATE), np.int16))
    audio = np.concatenate(chunks)
    with wave.open(str(wav_path), "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(SAMPLE_RATE)
        wf.writeframes(audio.tobytes())
    return timeline, len(audio) / SAMPLE_RATE


def pitch_windows(timeline: list[dict]) -> list[dict]:
    """One record per pitch: start of first sentence, span of the CTA sentence."""
    pitches = []
    for si, (kind, sku, _) in enumerate(SCRIPT):
        if kind != "pitch":
            continue
        sents = [t for t in timeline if t["section"] == si]
        pitches.append({"sku": sku, "name": next(p[1] for p in PRODUCTS if p[0] == sku),
                        "start_s": sents[0]["start_s"], "cta_start_s": sents[-1]["start_s"],
                        "cta_end_s": sents[-1]["end_s"], "cta_text": sents[-1]["text"],
                        "stale_phrases": STALE_PHRASES.get(sku, [])})
    return pitches


# --------------------------------------------------------------------------- video
def presenter_x(base: str) -> str:
    """Overlay x expression: sine-like horizontal drift (two incommensurate sines)."""
    return f"{base}+{SWING_PX}*(0.72*sin(2*PI*t/23)+0.28*sin(2*PI*t/8.3+1))"


def sprite_geq() -> str:
    """geq expressions for the presenter: a head with a face on a rounded body."""
    head = "lte(hypot(X-180,Y-150),110)"
    face = ("(lte(hypot(X-140,Y-128),15)+lte(hypot(X-220,Y-128),15)"
            "+between(hypot(X-180,Y-150),54,66)*gt(Y,185))")
    body = "lte(pow((X-180)/175,2)+pow((Y-500)/235,2),1)*gt(Y,255)"

    def chan(face_v: int, head_v: int, body_v: int) -> str:
        return f"if({head}*{face},{face_v},if({head},{head_v},if({body},{body_v},0)))"
    return (f"geq=r='{chan(40, 255, 255)}':g='{chan(30, 214, 196)}':b='{chan(60, 170, 40)}'"
            f":a='if({head}+{body},255,0)'")


def text(txt: str, size: int, x: str, y: str, color: str = "white", extra: str = "") -> str:
    return (f"drawtext=fontfile={FONT}:text='{txt}':fontsize={size}:fontcolor={color}"
            f":x={x}:y={y}{extra}")


def build_filtergraph(duration: float, pitches: list[dict]) -> str:
    parts = [
        # dark studio: wall, floor, two dim shelves, a soft light panel
        f"color=c=0x15151F:s={W}x{H}:r={FPS}:d={duration:.3f},"
        f"drawbox=x=0:y=560:w={W}:h=160:color=0x23232F:t=fill,"
        "drawbox=x=60:y=220:w=200:h=14:color=0x3A3046:t=fill,"
        "drawbox=x=1020:y=260:w=200:h=14:color=0x3A3046:t=fill,"
        "drawbox=x=80:y=170:w=40:h=50:color=0x5B4A2E:t=fill,"
        "drawbox=x=1080:y=200:w=60:h=60:color=0x2E4A5B:t=fill,"
        "drawbox=x=440:y=40:w=400:h=10:color=0x44445A:t=fill,"
        "drawbox=x=30:y=30:w=96:h=40:color=0xD62828:t=fill,"
        + text("LIVE", 26, "48", "37") + ","
        + text("%{pts\\:hms}", 22, "140", "40", "0xBBBBBB") + ","
        + text("FRIDAY DEALS LIVE", 26, f"{W}-tw-30", "38", "0xF2C14E") + "[bg]",
        f"color=c=black@0.0:s={SPRITE_W}x{SPRITE_H}:r={FPS}:d=1,format=rgba,{sprite_geq()},"
        f"trim=end_frame=1,loop=loop=-1:size=1,setpts=N/({FPS}*TB)[host]",
        f"[bg][host]overlay=x='{presenter_x('(W-w)/2')}':y='150+6*sin(2*PI*t/1.9)'"
        ":eval=frame:format=auto[v0]",
    ]
    for i, p in enumerate(pitches):
        sku, price = p["sku"], PRICE[p["sku"]]
        colour = next(q[6] for q in PRODUCTS if q[0] == sku)
        parts.append(
            f"color=c={colour}:s=440x120:r={FPS}:d=1,"
            "drawbox=x=0:y=0:w=440:h=120:color=white@0.9:t=4,"
            + text(p["name"], 30, "(w-tw)/2", "18") + ","
            + text(f"${price:.2f}  tap the cart", 26, "(w-tw)/2", "70", "0xFFF3C4") + ","
            f"trim=end_frame=1,loop=loop=-1:size=1,setpts=N/({FPS}*TB)[card{i}]")
        # card appears a second into the pitch and stays until just after the CTA
        parts.append(
            f"[v{i}][card{i}]overlay=x='{presenter_x('(W-w)/2')}':y=470:eval=frame"
            f":enable='between(t,{p['start_s'] + 1.0:.2f},{p['cta_end_s'] + 2.0:.2f})'[v{i + 1}]")
    parts[-1] = parts[-1].rsplit("[", 1)[0] + "[vout]"
    return ";".join(parts)


def render_video(wav: Path, duration: float, pitches: list[dict], out: Path) -> None:
    start_utc = STREAM_START.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    cmd = [FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav),
           "-filter_complex", build_filtergraph(duration, pitches),
           "-map", "[vout]", "-map", "0:a", "-t", f"{duration:.3f}",
           "-c:v", "libx264", "-preset", PRESET, "-crf", str(CRF), "-pix_fmt", "yuv420p",
           "-threads", "2", "-c:a", "aac", "-b:a", AUDIO_BITRATE, "-ac", "1", "-ar", str(AUDIO_RATE),
           "-metadata", f"creation_time={start_utc}", "-metadata", "title=Friday Deals Live",
           "-movflags", "+faststart", str(out)]
    subprocess.run(cmd, check=True)


# --------------------------------------------------------------------------- tables
def write_catalog(path: Path) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sku", "name", "url", "price", "currency", "aliases", "image"])
        for sku, name, slug, price, aliases, image, _ in PRODUCTS:
            w.writerow([sku, name, f"https://shop.example.com/products/{slug}",
                        f"{price:.2f}", CURRENCY, aliases, image])


def make_orders(rng: np.random.Generator, duration: float, timeline: list[dict],
                pitches: list[dict]) -> tuple[list, dict, float]:
    """Return (order rows, time-sorted except the re-delivered duplicates; spike info
    per sku; decoy offset).  Timestamps are whole seconds."""
    events = []                                        # (offset_s, sku, qty)
    skus = list(BACKGROUND_WEIGHTS)
    weights = np.array([BACKGROUND_WEIGHTS[k] for k in skus], float)
    n_bg = rng.poisson(BACKGROUND_ORDERS_PER_MIN * duration / 60)
    for t in np.sort(rng.uniform(0, duration, n_bg)):
        events.append((float(t), str(rng.choice(skus, p=weights / weights.sum())),
                       int(rng.choice([1, 1, 1, 2]))))
    spikes = {}
    for p in pitches:
        if p["sku"] not in SPIKES:
            continue
        lag, dur, n = SPIKES[p["sku"]]
        onset = float(np.ceil(p["cta_end_s"] + lag))
        # front-loaded burst: first order exactly at onset, the rest decay over `dur`
        offs = np.concatenate([[0.0], np.minimum(rng.exponential(dur / 3, n - 1), dur)])
        offs += rng.normal(0, 0.8, n).clip(0, None)    # jitter (never before onset)
        offs[0] = 0.0
        for o in offs:
            events.append((onset + float(o), p["sku"], int(rng.choice([1, 1, 1, 1, 2, 3]))))
        spikes[p["sku"]] = {"onset_s": onset, "end_s": onset + float(np.round(offs).max()), "orders": n}
    # decoy: bulk gift-card order in the middle of the second chit-chat section
    chat2 = [s for s, (k, _, _) in enumerate(SCRIPT) if k == "chat"][1]
    sec = [t for t in timeline if t["section"] == chat2]
    decoy_t = float(np.floor((sec[0]["start_s"] + sec[-1]["end_s"]) / 2))
    events.append((decoy_t, DECOY[0], DECOY[1]))
    events.sort(key=lambda e: e[0])

    rows = []
    for i, (t, sku, qty) in enumerate(events):
        ts = STREAM_START + timedelta(seconds=int(round(t)))
        rows.append([f"ORD-{100001 + i}", ts.isoformat(), sku, qty, f"{qty * PRICE[sku]:.2f}"])
    # a few re-delivered rows (same order twice) a little later in the log
    for i in sorted(rng.choice(len(rows) - 5, N_DUPLICATES, replace=False), reverse=True):
        rows.insert(int(i) + 3, list(rows[int(i)]))
    return rows, spikes, decoy_t


def write_orders(path: Path, rows: list) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["order_id", "timestamp", "sku", "quantity", "amount"])
        w.writerows(rows)


# --------------------------------------------------------------------------- main
def main() -> None:
    rng = np.random.default_rng(SEED)
    with tempfile.TemporaryDirectory(prefix="reelcart-sample-") as td:
        tmp = Path(td)
        wav = tmp / "speech.wav"
        timeline, duration = build_audio(wav, tmp)
        pitches = pitch_windows(timeline)
        render_video(wav, duration, pitches, OUT_DIR / "livestream.mp4")

    write_catalog(OUT_DIR / "catalog.csv")
    rows, spikes, decoy_t = make_orders(rng, duration, timeline, pitches)
    write_orders(OUT_DIR / "orders.csv", rows)

    for p in pitches:
        s = spikes.get(p["sku"])
        p.update(spike=s is not None, spike_onset_s=s and s["onset_s"],
                 spike_end_s=s and s["end_s"], spike_orders=s and s["orders"])
    truth = {
        "stream_start": STREAM_START.isoformat(),
        "stream_start_utc": STREAM_START.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
        "duration_s": round(duration, 3),
        "video": {"width": W, "height": H, "fps": FPS,
                  "presenter_center_x": f"{W // 2}+{SWING_PX}*(0.72*sin(2*pi*t/23)+0.28*sin(2*pi*t/8.3+1))"},
        "pitches": pitches,
        "decoys": [{"sku": DECOY[0], "quantity": DECOY[1], "offset_s": decoy_t,
                    "note": "bulk gift-card order during chit-chat, no pitch"}],
        "never_pitched": [p[0] for p in PRODUCTS if p[0] not in {q["sku"] for q in pitches}],
        "duplicate_order_rows": N_DUPLICATES,
        "transcript": [{k: t[k] for k in ("start_s", "end_s", "kind", "sku", "text")} for t in timeline],
    }
    (OUT_DIR / "ground_truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    print(f"duration {duration:.1f}s, {len(rows)} order rows")
    for p in pitches:
        print(f"  {p['sku']:<15} start {p['start_s']:7.2f}  cta_end {p['cta_end_s']:7.2f}"
              f"  spike {p['spike_onset_s']}")


if __name__ == "__main__":
    main()
