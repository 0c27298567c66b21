"""Everything a reel's render pass needs, planned without running ffmpeg: captions, card, link."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ...config import Preset
from ...errors import ConfigError
from ...handoff.links import reel_link
from ...handoff.platforms import platform as platform_spec
from ...media.fonts import RTL_LANGS, Face, primary_face, text_script
from ...models import MediaInfo, Moment, Product, Transcript
from ..captions import (
    CardPlan,
    Layout,
    Page,
    build_ass,
    build_card,
    build_layout,
    build_pages,
    build_srt,
    reel_words,
)


def safe_stem(reel_id: str) -> str:
    """A file-name stem from a reel id (ids from a hand-edited plan are untrusted)."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", reel_id).strip("-")[:60]
    if stem != reel_id:
        stem = f"{stem or 'reel'}-{hashlib.sha256(reel_id.encode()).hexdigest()[:6]}"
    return stem


@dataclass
class ReelPlan:
    """Everything the render pass needs, computed without running ffmpeg."""

    stem: str
    duration_s: float
    layout: Layout
    face: Face
    pages: list[Page]
    card: CardPlan | None
    link: str
    ass_text: str
    srt_text: str
    faces: list[Face]


def plan_reel(info: MediaInfo, moment: Moment, product: Product, transcript: Transcript, preset: Preset,
              *, link: str | None = None) -> ReelPlan:
    plat = platform_spec(preset.package.platform)
    duration = moment.duration_s
    if duration > plat.max_duration_s + 1e-6:
        raise ConfigError(
            f"{moment.id} is {duration:.0f} s long; {plat.label} allows at most {plat.max_duration_s:.0f} s "
            "(lower moments.max_duration_s)"
        )
    captions = preset.captions
    layout = build_layout(captions, preset.render, plat)
    words = reel_words(transcript.words(), moment, case=captions.case)
    spoken = " ".join(w.text for w in words)
    face = primary_face(captions.font, captions.font_weight, spoken, transcript.language)
    pages = build_pages(words, captions, layout, face, transcript.language)
    link = link or reel_link(product.url, preset.package, info.path, moment.id)
    card_face = primary_face(preset.overlay.font or captions.font, captions.font_weight, product.name, transcript.language)
    rtl = transcript.language.split("-")[0] in RTL_LANGS or text_script(product.name) == "arabic"
    card = build_card(product, moment, preset.overlay, layout, face=card_face, weight=captions.font_weight, link=link,
                      rtl=rtl, duration_s=duration)
    ass_text = build_ass(pages, captions=captions, layout=layout, primary=face, language=transcript.language, card=card,
                         overlay=preset.overlay)
    faces = {face.ass_name: face}
    for page in pages:
        for tok in page.words:
            for f, _ in tok.runs:
                faces.setdefault(f.ass_name, f)
    for f in card.faces if card else []:
        faces.setdefault(f.ass_name, f)
    return ReelPlan(
        stem=safe_stem(moment.id), duration_s=duration, layout=layout, face=face, pages=pages, card=card, link=link,
        ass_text=ass_text, srt_text=build_srt(pages, transcript.language), faces=list(faces.values()),
    )
