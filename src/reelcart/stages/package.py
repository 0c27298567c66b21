"""Package the run for marketers: manifest.json (tracked links, copy, scores) and report.html."""

from __future__ import annotations

import html
import json
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .. import __version__
from ..artifacts import write_text_atomic
from ..config import PackageConfig, Preset
from ..models import (
    Catalog,
    Manifest,
    ManifestProduct,
    ManifestReel,
    MomentPlan,
    RenderResult,
    SpikeReport,
)

STAGE = "package"
VERSION = 1
TITLE_LIMIT = {"tiktok": 100, "reels": 100, "shorts": 100, "generic": 100}
DESCRIPTION_LIMIT = {"tiktok": 2200, "reels": 2200, "shorts": 5000, "generic": 2200}


def tracked_link(url: str, *, source: str, medium: str, campaign: str, content: str) -> str:
    """The URL with UTM parameters; its own query parameters and fragment are kept."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_")]
    query += [("utm_source", source), ("utm_medium", medium), ("utm_campaign", campaign), ("utm_content", content)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def reel_link(url: str, config: PackageConfig, source: Path | str, reel_id: str) -> str:
    """The tracked link of one reel (manifest, report and the QR code on the reel all use this)."""
    campaign = config.utm_campaign or _slug(Path(source).stem)
    return tracked_link(url, source=config.utm_source or config.platform, medium=config.utm_medium, campaign=campaign,
                        content=reel_id)


def _slug(text: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)
    return "-".join(p for p in out.split("-") if p)[:60] or "stream"


def _fill(template: str, fields: dict[str, str]) -> str:
    class Safe(dict):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    return template.format_map(Safe(fields))


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def product_hashtag(name: str) -> str:
    tag = "".join(ch for ch in name.title() if ch.isalnum())
    return f"#{tag}" if tag else ""


def build_manifest(
    *,
    source: Path,
    preset: Preset,
    plan: MomentPlan,
    rendered: RenderResult,
    catalog: Catalog,
    spikes: SpikeReport,
) -> Manifest:
    config: PackageConfig = preset.package
    platform = config.platform
    products = catalog.by_sku()
    files = {r.id: r for r in rendered.reels}
    reels: list[ManifestReel] = []
    for moment in plan.moments:
        reel = files.get(moment.id)
        if reel is None:
            continue
        product = products[moment.sku]
        link = reel_link(product.url, config, source, moment.id)
        price = f"{product.price:,.2f} {product.currency or ''}".strip() if product.price is not None else ""
        fields = {"product_name": product.name, "price": price, "key_phrase": moment.key_phrase, "link": link}
        hashtags = list(dict.fromkeys([*config.hashtags, product_hashtag(product.name)]))
        reels.append(
            ManifestReel(
                id=moment.id,
                file=reel.file,
                start_s=moment.start_s,
                end_s=moment.end_s,
                duration_s=round(moment.duration_s, 3),
                product=ManifestProduct(sku=product.sku, name=product.name, url=product.url, price=product.price, currency=product.currency),
                link=link,
                captions=reel.captions_file,
                thumbnail=reel.thumbnail,
                title=_clip(_fill(config.title_template, fields), TITLE_LIMIT[platform]),
                description=_clip(_fill(config.description_template, fields), DESCRIPTION_LIMIT[platform]),
                hashtags=[h for h in hashtags if h],
                score=moment.score,
                warnings=moment.warnings,
                spike_onset_s=moment.spike_onset_s,
            )
        )
    return Manifest(
        tool="reelcart",
        version=__version__,
        source=str(source),
        stream_start=spikes.stream_start,
        preset=preset.name,
        platform=platform,
        language=plan.language,
        reels=reels,
        fewer_reels_reason=plan.notes,
        rejected=plan.rejected,
        order_stats=spikes.stats,
    )


def _fmt_time(t_s: float | None) -> str:
    if t_s is None:
        return "–"
    m, s = divmod(int(round(t_s)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def build_report(manifest: Manifest, spikes: SpikeReport, plan: MomentPlan) -> str:
    """A self-contained review page: order timeline (inline SVG), reels, rejected candidates."""
    e = html.escape
    chart = _timeline_svg(spikes, manifest)
    cards = []
    for reel in manifest.reels:
        score = reel.score
        parts = " · ".join(f"{k.replace('_', ' ')} {v:.2f}" for k, v in score.model_dump().items())
        warnings = "".join(f"<li>{e(w)}</li>" for w in reel.warnings) or "<li>none</li>"
        moment = next(m for m in plan.moments if m.id == reel.id)
        cards.append(
            f"""<section class="reel"><video src="{e(reel.file)}" poster="{e(reel.thumbnail)}" controls preload="metadata"></video>
<div><h2>{e(reel.id)}: {e(reel.product.name)}</h2>
<p class="meta">{_fmt_time(reel.start_s)}–{_fmt_time(reel.end_s)} ({reel.duration_s:.1f} s) · spike at {_fmt_time(reel.spike_onset_s)}</p>
<p><strong>{e(reel.title)}</strong></p><p>{e(reel.description)}</p><p>{e(' '.join(reel.hashtags))}</p>
<p>Link: <a href="{e(reel.link)}">{e(reel.link)}</a></p>
<p class="meta">Score {score.total:.2f}: {e(parts)}</p>
<p class="excerpt">“{e(moment.first_words)}…”</p><p>Call to action: {e(moment.cta_text or 'none found')}</p>
<h3>Warnings</h3><ul>{warnings}</ul></div></section>"""
        )
    rejected = "".join(
        f"<tr><td>{e(r.sku)}</td><td>{_fmt_time(r.spike_onset_s)}</td><td>{_fmt_time(r.start_s)}–{_fmt_time(r.end_s)}</td><td>{e(r.reason)}</td></tr>"
        for r in manifest.rejected
    ) or "<tr><td colspan=4>none</td></tr>"
    notes = "".join(f"<li>{e(n)}</li>" for n in manifest.fewer_reels_reason)
    stats = manifest.order_stats
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>reelcart report: {e(Path(manifest.source).name)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'">
<style>body{{font:15px/1.45 system-ui,sans-serif;margin:2rem;color:#222;max-width:1100px}}.reel{{display:flex;gap:1.5rem;margin:1.5rem 0;padding:1rem;border:1px solid #ddd;border-radius:8px}}
video{{width:270px;height:480px;background:#000}}.meta{{color:#666}}table{{border-collapse:collapse}}td,th{{border:1px solid #ddd;padding:4px 8px;text-align:left}}.excerpt{{font-style:italic}}</style></head>
<body><h1>reelcart report</h1><p class="meta">{e(manifest.source)} · preset {e(manifest.preset)} · language {e(manifest.language)} · reelcart {e(manifest.version)}</p>
<h2>Orders</h2><p class="meta">{stats.orders_used} orders used of {stats.rows} rows · {stats.duplicates} duplicates · {stats.cancelled} cancelled · {stats.outside_recording} outside the recording · {sum(stats.unknown_skus.values())} unknown SKU · {stats.unreadable} unreadable</p>
{chart}
<h2>Reels</h2>{''.join(cards) or '<p>No reels were made.</p>'}
{f'<h2>Why fewer reels</h2><ul>{notes}</ul>' if notes else ''}
<h2>Candidates not chosen</h2><table><tr><th>SKU</th><th>Spike</th><th>Range</th><th>Reason</th></tr>{rejected}</table>
</body></html>
"""


def _timeline_svg(spikes: SpikeReport, manifest: Manifest) -> str:
    e = html.escape
    width, height, pad = 1000, 220, 30
    series = spikes.timeline
    n = max((len(s.counts) for s in series), default=0)
    if n == 0:
        return "<p>No orders.</p>"
    peak = max(1, max(max(s.counts) for s in series))
    colours = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324"]
    scale_x = (width - 2 * pad) / n
    bin_s = spikes.timeline_bin_s
    shapes = []
    for reel in manifest.reels:
        x0 = pad + reel.start_s / bin_s * scale_x
        w = max(2.0, reel.duration_s / bin_s * scale_x)
        shapes.append(f'<rect class="reel-span" x="{x0:.1f}" y="{pad}" width="{w:.1f}" height="{height - 2 * pad}" fill="#ffd40055"><title>{e(reel.id)}</title></rect>')
    legend = []
    for i, s in enumerate(series):
        colour = colours[i % len(colours)]
        pts = " ".join(
            f"{pad + (j + 0.5) * scale_x:.1f},{height - pad - c / peak * (height - 2 * pad):.1f}" for j, c in enumerate(s.counts)
        )
        shapes.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{pts}"><title>{e(s.sku)}</title></polyline>')
        legend.append(f'<span style="color:{colour}">■ {e(s.sku)}</span>')
    for spike in spikes.spikes:
        x = pad + spike.onset_s / bin_s * scale_x
        shapes.append(f'<line class="spike" x1="{x:.1f}" x2="{x:.1f}" y1="{pad}" y2="{height - pad}" stroke="#000" stroke-dasharray="4 3"><title>{e(spike.sku)} spike</title></line>')
    axis = f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#888"/>'
    label = f'<text x="{pad}" y="{pad - 8}" font-size="12">orders per minute (max {peak})</text>'
    return f'<svg id="timeline" viewBox="0 0 {width} {height}" width="100%" role="img">{axis}{label}{"".join(shapes)}</svg><p>{" ".join(legend)}</p>'


def write_outputs(out_dir: Path, manifest: Manifest, report_html: str) -> None:
    write_text_atomic(out_dir / "report.html", report_html)
    write_text_atomic(out_dir / "manifest.json", json.dumps(json.loads(manifest.model_dump_json()), indent=2, ensure_ascii=False) + "\n")


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")
