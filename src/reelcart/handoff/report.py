"""The review page: one self-contained ``report.html`` that works offline.

No script, no external URL: the order timeline is inline SVG, media are referenced relative to
the page, styles are inline, and a Content-Security-Policy forbids everything else. Every string
that comes from the inputs (product names, SKUs, URLs, transcript, file names, reasons) goes
through ``html.escape`` with quotes, in text and in attributes alike.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

from .copywriting import format_price
from ..models import Catalog, Manifest, ManifestReel, SpikeReport, Transcript
from ..text import format_duration
from .platforms import PLATFORMS

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C564B", "#000000")
SCORE_LABELS = {
    "sales_lift": "sales lift", "pitch": "pitch", "call_to_action": "call to action", "speech_density": "speech density",
    "stale_penalty": "live-only penalty",
}
CSP = ("default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; "
       "base-uri 'none'; form-action 'none'")

CSS = """
:root{--ink:#1d2430;--muted:#5d6778;--line:#dfe3ea;--accent:#ff4f00;--warn:#8a5300;--warnbg:#fff4dc;--card:#fff}
*{box-sizing:border-box}body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--ink);
margin:0;background:#f5f6f8}main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 12px}h3{font-size:18px;margin:0 0 4px}h4{font-size:14px;
margin:14px 0 4px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.meta{color:var(--muted);font-size:14px}.chips{display:flex;flex-wrap:wrap;gap:8px;margin:14px 0}.chip{background:var(--card);
border:1px solid var(--line);border-radius:999px;padding:4px 12px;font-size:14px}.chip b{font-size:16px}
.panel{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 18px}
#timeline{display:block;width:100%;height:auto}.legend{display:flex;flex-wrap:wrap;gap:6px 18px;margin-top:8px;font-size:14px}
.swatch{display:inline-block;width:14px;height:4px;border-radius:2px;margin-right:6px;vertical-align:middle}
.key{display:inline-block;width:14px;height:12px;margin-right:6px;vertical-align:middle;border:1px solid #d7b600;background:#ffd40044}
.key.cand{border:1px dashed #888;background:#99999922}
.reel{display:grid;grid-template-columns:270px 1fr;gap:22px;background:var(--card);border:1px solid var(--line);
border-radius:10px;padding:18px;margin:16px 0}.media video{width:270px;height:480px;background:#000;border-radius:8px;display:block}
.media .files{font-size:13px;margin-top:6px}.price{color:var(--accent);font-weight:600;margin-left:6px}
a{color:#0b5cad;word-break:break-all}.score{border-collapse:collapse;font-size:14px;margin-top:2px}
.score td{padding:2px 10px 2px 0;border:0}.bar{width:160px;height:8px;background:#eceff3;border-radius:4px;overflow:hidden}
.bar span{display:block;height:100%;background:#2a8f5a}.bar.neg span{background:#c0392b}
.warnings li{background:var(--warnbg);color:var(--warn);padding:3px 8px;border-radius:4px;margin:3px 0;list-style:none}
.warnings{padding:0;margin:4px 0}.none{color:var(--muted)}
.review{border-radius:4px;padding:1px 6px;background:#eceff3}.review-approved{background:#dff3e6;color:#1d6b3c}
blockquote{margin:4px 0;padding:6px 12px;border-left:3px solid var(--line);color:#333;background:#fafbfc}
.posts{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:12px;margin-top:6px}
.copy{grid-column:1/-1}.post{border:1px solid var(--line);border-radius:8px;padding:10px 12px;font-size:14px;min-width:0}
.post .meta{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}.post .meta a{word-break:normal}.post h5{margin:0 0 6px;font-size:14px}
.post textarea{width:100%;min-height:120px;font:13px/1.4 ui-monospace,Menlo,Consolas,monospace;border:1px solid var(--line);
border-radius:6px;padding:6px;resize:vertical;background:#fcfcfd}.post .t{font-weight:600}
table.list{border-collapse:collapse;width:100%;background:var(--card);font-size:14px}
table.list th,table.list td{border:1px solid var(--line);padding:6px 10px;text-align:left;vertical-align:top}
table.list th{background:#f0f2f5}code{font-size:13px}
table.list ul{margin:0;padding-left:18px}li.chosen{color:var(--accent)}li.tried{color:var(--muted)}
@media (max-width:760px){.reel{grid-template-columns:1fr}}
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def fmt_time(t_s: float | None) -> str:
    return "–" if t_s is None else format_duration(t_s)


def _nice_step(span: float, target: int, steps: tuple[float, ...]) -> float:
    for step in steps:
        if span / step <= target:
            return step
    return steps[-1] * math.ceil(span / steps[-1] / target)


def timeline_svg(spikes: SpikeReport, manifest: Manifest, names: dict[str, str]) -> str:
    """Orders per minute per SKU as lines, order spikes as dashed markers, chosen reels shaded."""
    series = [s for s in spikes.timeline if any(s.counts)]
    n = max((len(s.counts) for s in spikes.timeline), default=0)
    if n == 0:
        return '<p class="none">No orders fell inside the recording, so there is no timeline to draw.</p>'
    bin_s = spikes.timeline_bin_s or 60.0
    total_s = n * bin_s
    width, height = 1000, 300
    left, right, top, bottom = 46, 16, 24, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(1, max((max(s.counts) for s in series), default=1))
    y_step = _nice_step(peak, 5, (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000))
    y_max = y_step * math.ceil(peak / y_step)

    def x(t: float) -> float:
        return left + max(0.0, min(total_s, t)) / total_s * plot_w

    def y(v: float) -> float:
        return top + plot_h - v / y_max * plot_h

    out: list[str] = []
    # candidates that were not chosen, then the chosen reels, behind everything
    for r in manifest.rejected:
        if r.start_s is not None and r.end_s is not None:
            out.append(f'<rect class="candidate-span" x="{x(r.start_s):.1f}" y="{top}" width="{max(2.0, x(r.end_s) - x(r.start_s)):.1f}" '
                       f'height="{plot_h}" fill="#99999922" stroke="#888" stroke-dasharray="3 3">'
                       f'<title>not chosen: {_e(names.get(r.sku, r.sku))} ({_e(r.reason)})</title></rect>')
    for reel in manifest.reels:
        x0, x1 = x(reel.start_s), x(reel.end_s)
        out.append(f'<rect class="reel-span" x="{x0:.1f}" y="{top}" width="{max(2.0, x1 - x0):.1f}" height="{plot_h}" '
                   f'fill="#ffd40044" stroke="#d7b600"><title>{_e(reel.id)}: {_e(reel.product.name)} '
                   f'{fmt_time(reel.start_s)}–{fmt_time(reel.end_s)}</title></rect>')
        out.append(f'<text class="reel-label" x="{(x0 + x1) / 2:.1f}" y="{top - 8}" text-anchor="middle" font-size="12" '
                   f'font-weight="600" fill="#8a6d00">{_e(reel.id)}</text>')
    # axes and grid
    v = 0.0
    while v <= y_max + 1e-9:
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e6e8ec"/>'
                   f'<text x="{left - 8}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11" fill="#5d6778">{int(v)}</text>')
        v += y_step
    x_step = _nice_step(total_s, 12, (30, 60, 120, 300, 600, 900, 1800, 3600))
    t = 0.0
    while t <= total_s + 1e-6:
        out.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{top + plot_h}" y2="{top + plot_h + 5}" stroke="#888"/>'
                   f'<text x="{x(t):.1f}" y="{top + plot_h + 18}" text-anchor="middle" font-size="11" fill="#5d6778">{fmt_time(t)}</text>')
        t += x_step
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#888"/>')
    per = "minute" if bin_s == 60 else f"{bin_s:g} s"
    out.append(f'<text class="axis-title" x="{left - 40}" y="{height - 4}" font-size="11" fill="#5d6778">↑ orders per {per}</text>')
    out.append(f'<text class="axis-title" x="{width - right}" y="{height - 4}" text-anchor="end" font-size="11" '
               f'fill="#5d6778">time in the recording →</text>')
    colours = {s.sku: PALETTE[i % len(PALETTE)] for i, s in enumerate(series)}
    for s in series:  # a step per bin: the count holds for the whole minute it was counted in
        pts = " ".join(f"{x(j * bin_s):.1f},{y(c):.1f} {x((j + 1) * bin_s):.1f},{y(c):.1f}" for j, c in enumerate(s.counts))
        out.append(f'<polyline class="series" fill="none" stroke="{colours[s.sku]}" stroke-width="2.2" stroke-linejoin="round" '
                   f'points="{pts}"><title>{_e(names.get(s.sku, s.sku))} ({_e(s.sku)})</title></polyline>')
    for spike in spikes.spikes:
        sx = x(spike.onset_s)
        colour = colours.get(spike.sku, "#333")
        out.append(f'<g class="spike"><line x1="{sx:.1f}" x2="{sx:.1f}" y1="{top}" y2="{top + plot_h}" stroke="{colour}" '
                   f'stroke-width="1.5" stroke-dasharray="5 4"/><path d="M{sx - 6:.1f},{top} L{sx + 6:.1f},{top} L{sx:.1f},{top + 9} Z" '
                   f'fill="{colour}"/><title>order spike: {_e(names.get(spike.sku, spike.sku))} at {fmt_time(spike.onset_s)}, '
                   f'{spike.orders} orders ({spike.orders_above_baseline:.0f} above baseline)</title></g>')
    legend = "".join(
        f'<span><span class="swatch" style="background:{colours[s.sku]}"></span>{_e(names.get(s.sku, s.sku))} '
        f'<span class="meta">{_e(s.sku)}</span></span>' for s in series
    )
    legend += ('<span><span class="key"></span>chosen reel</span><span><span class="key cand"></span>candidate not chosen</span>'
               '<span>▼ - - order spike</span>')
    label = f"Orders per minute for {len(series)} products over {fmt_time(total_s)}, {len(spikes.spikes)} spikes, {len(manifest.reels)} reels"
    return (f'<svg id="timeline" viewBox="0 0 {width} {height}" role="img" aria-label="{_e(label)}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(out)}</svg><div class="legend">{legend}</div>')


def _score_table(reel: ManifestReel) -> str:
    rows = []
    for key, label in SCORE_LABELS.items():
        value = float(getattr(reel.score, key))
        neg = key == "stale_penalty"
        rows.append(f'<tr><td>{label}</td><td>{"−" if neg and value else ""}{value:.2f}</td><td><div class="bar{" neg" if neg else ""}">'
                    f'<span style="width:{max(0.0, min(1.0, value)) * 100:.0f}%"></span></div></td></tr>')
    return f'<table class="score"><tr><td><b>total</b></td><td><b>{reel.score.total:.2f}</b></td><td></td></tr>{"".join(rows)}</table>'


REVIEW_LABELS = {"pending": "review pending", "approved": "approved", "rejected": "rejected"}


def _review_badge(reel: ManifestReel, exported: bool) -> str:
    where = "" if exported else " · not in the upload folders"
    return f'<span class="review review-{_e(reel.review)}">{_e(REVIEW_LABELS.get(reel.review, reel.review))}{where}</span>'


def _posts(reel: ManifestReel, language: str, exported: bool = True) -> str:
    cards = []
    for post in reel.posts:
        spec = PLATFORMS[post.platform]
        when = f'<div class="meta">scheduled {_e(post.scheduled_at.isoformat(timespec="minutes"))}</div>' if post.scheduled_at else ""
        cards.append(
            f'<div class="post" data-platform="{_e(post.platform)}"><h5>{_e(spec.label)}</h5>'
            f'<div class="t" dir="auto" lang="{_e(language)}">{_e(post.title)}</div>'
            f'<textarea readonly rows="6" dir="auto" lang="{_e(language)}" aria-label="{_e(spec.label)} caption">{_e(post.caption)}</textarea>'
            + (f'<div class="meta">file <a href="{_e(post.file)}">{_e(post.file)}</a> · cover <a href="{_e(post.cover)}">{_e(Path(post.cover).name)}</a></div>'
               if exported else '<div class="meta none">not exported: only approved reels go to the upload folders</div>')
            + f'<div class="meta">link <a href="{_e(post.link)}" rel="noopener noreferrer" target="_blank">{_e(post.link)}</a></div>{when}</div>'
        )
    if not cards:
        return ""
    return f'<details class="copy" open><summary><b>Ready-to-post copy</b></summary><div class="posts">{"".join(cards)}</div></details>'


CUT_LABELS = {"live_only": "live-only offer", "dead_air": "dead air", "digression": "digression", "filler": "filler",
              "edited": "cut by the editor"}


def _edit_list(reel: ManifestReel, lang: str) -> str:
    """The segments the reel plays and every cut between them, with its reason and words."""
    if len(reel.segments) <= 1 and not reel.cuts:
        return ""
    segments = ", ".join(f"{format_duration(s.start_s, 'clock.1')}–{format_duration(s.end_s, 'clock.1')}" for s in reel.segments)
    rows = "".join(
        f'<tr class="cut"><td>{format_duration(c.start_s, "clock.1")}–{format_duration(c.end_s, "clock.1")}</td><td>{_e(CUT_LABELS.get(c.reason, c.reason))}</td>'
        f'<td dir="auto" lang="{_e(lang)}">{_e(c.text) or "<span class=none>(silence)</span>"}</td></tr>'
        for c in reel.cuts
    )
    table = f'<table class="cuts"><tr><th>cut</th><th>why</th><th>words left out</th></tr>{rows}</table>' if rows else ""
    return f"<h4>Segments</h4><p class=\"segments\">{len(reel.segments)} segments: {segments}</p>{table}"


def _reel_card(reel: ManifestReel, manifest: Manifest) -> str:
    lang = manifest.language
    exported = manifest.exports is None or manifest.exports.reels is None or reel.id in manifest.exports.reels
    price = format_price(reel.product.price, reel.product.currency, manifest.copy_language)
    warnings = "".join(f"<li>{_e(w)}</li>" for w in reel.warnings)
    warnings_html = f'<ul class="warnings">{warnings}</ul>' if warnings else '<p class="none">none</p>'
    spike = f" · order spike at {fmt_time(reel.spike_onset_s)}" if reel.spike_onset_s is not None else ""
    cta = f"<p>Call to action: <q dir=\"auto\" lang=\"{_e(lang)}\">{_e(reel.cta_text)}</q></p>" if reel.cta_text else \
        '<p class="none">No call to action found.</p>'
    return f"""<article class="reel" id="{_e(reel.id)}">
<div class="media"><video src="{_e(reel.file)}" poster="{_e(reel.thumbnail)}" controls preload="metadata" playsinline width="270" height="480"></video>
<div class="files"><a href="{_e(reel.file)}">{_e(reel.file)}</a> · <a href="{_e(reel.thumbnail)}">thumbnail</a> · <a href="{_e(reel.captions)}">captions</a></div></div>
<div class="body"><h3><span dir="auto">{_e(reel.product.name)}</span>{f'<span class="price">{_e(price)}</span>' if price else ''}</h3>
<p class="meta">{_e(reel.id)} · SKU {_e(reel.product.sku)} · source {fmt_time(reel.start_s)}–{fmt_time(reel.end_s)} ({reel.duration_s:.1f} s){spike} · {_review_badge(reel, exported)}</p>
<p>Link: <a class="product-link" href="{_e(reel.link)}" rel="noopener noreferrer" target="_blank">{_e(reel.link)}</a></p>
<h4>Score</h4>{_score_table(reel)}
<h4>Warnings</h4>{warnings_html}{_edit_list(reel, lang)}
<h4>Transcript</h4><blockquote dir="auto" lang="{_e(lang)}">{_e(reel.transcript_excerpt) or '<span class="none">no transcript</span>'}</blockquote>{cta}</div>
{_posts(reel, lang, exported)}</article>"""


def transcript_checks(transcript: Transcript | None) -> str:
    """The transcription's repairs (span, why, the decodes tried with their scores, the one kept)
    and the product names it put right."""
    if transcript is None or not (transcript.repairs or transcript.corrections):
        return ""
    rows = []
    for r in transcript.repairs:
        tried = "".join(
            f'<li class="{"chosen" if a.name == r.chosen else "tried"}"><b>{_e(a.name)}</b> {a.score:.2f}: '
            f'<span dir="auto">{_e(a.text[:160])}</span></li>' for a in r.attempts)
        rows.append(f"<tr><td>{fmt_time(r.start_s)}–{fmt_time(r.end_s)}</td><td>{_e(', '.join(r.reasons))}</td>"
                    f"<td><ul>{tried}</ul></td><td>{_e(r.chosen)}</td></tr>")
    fixes = "".join(f'<li>{fmt_time(c.start_s)} <span dir="auto">{_e(c.heard)}</span> → <b dir="auto">{_e(c.name)}</b> ({c.score:.0f})</li>'
                    for c in transcript.corrections)
    table = (f'<table class="list"><tr><th>Span</th><th>Why</th><th>Decodes tried (quality score)</th><th>Kept</th></tr>{"".join(rows)}</table>'
             if rows else "")
    return (f'<h2>Transcription checks</h2><div class="panel"><p>{len(transcript.repairs)} span(s) decoded again, '
            f'{len(transcript.corrections)} product name(s) put right.</p>{table}{f"<ul>{fixes}</ul>" if fixes else ""}</div>')


def build_report(manifest: Manifest, spikes: SpikeReport, catalog: Catalog | None = None, transcript: Transcript | None = None) -> str:
    """The whole page as one string."""
    names = {p.sku: p.name for p in catalog.products} if catalog is not None else {}
    names.update({r.product.sku: r.product.name for r in manifest.reels})
    stats = manifest.order_stats
    source_name = Path(manifest.source).name
    started = manifest.stream_start.isoformat(timespec="minutes") if manifest.stream_start else "unknown"
    cards = "".join(_reel_card(r, manifest) for r in manifest.reels) or '<p class="none">No reels were made.</p>'
    notes = "".join(f"<li>{_e(n)}</li>" for n in manifest.fewer_reels_reason)
    rejected = "".join(
        f"<tr><td><span dir=\"auto\">{_e(names.get(r.sku, ''))}</span> <span class=\"meta\">{_e(r.sku)}</span></td>"
        f"<td>{fmt_time(r.spike_onset_s)}</td><td>{fmt_time(r.start_s)}–{fmt_time(r.end_s) if r.end_s is not None else '–'}</td>"
        f"<td>{_e(r.reason)}</td></tr>" for r in manifest.rejected
    ) or '<tr><td colspan="4" class="none">none: every candidate became a reel</td></tr>'
    unknown = ", ".join(f"{_e(sku)} ({n})" for sku, n in sorted(stats.unknown_skus.items()))
    problems = "".join(f"<li>line {p.line}: {_e(p.problem)}</li>" for p in stats.problems)
    order_notes = "".join(f"<li>{_e(n)}</li>" for n in stats.notes)
    rules = " · ".join(f"{_e(rule)} <b>{n}</b>" for rule, n in stats.matched_by.items())
    exports = ""
    if manifest.exports is not None:
        folders = " · ".join(f'<a href="{_e(folder)}">{_e(folder)}</a> ({_e(PLATFORMS[p].label)})' for p, folder in manifest.exports.folders.items())
        exports = (f'<h2>Upload</h2><div class="panel"><p>Scheduler CSV: <a href="{_e(manifest.exports.schedule_csv)}">'
                   f'{_e(manifest.exports.schedule_csv)}</a> (file, caption, link, time per post) · folders: {folders}</p>'
                   f'<p class="meta">Campaign <code>{_e(manifest.campaign)}</code> · copy written in {_e(manifest.copy_language)}</p></div>')
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Reels review: {_e(source_name)}</title>
<link rel="icon" href="data:,">
<style>{CSS}</style></head>
<body><main>
<h1>Reels review: <span dir="auto">{_e(source_name)}</span></h1>
<p class="meta">stream start {_e(started)} · preset {_e(manifest.preset)} · main platform {_e(manifest.platform)} · spoken language {_e(manifest.language)} · reelcart {_e(manifest.version)}</p>
<div class="chips"><span class="chip"><b>{len(manifest.reels)}</b> reels</span><span class="chip"><b>{len(spikes.spikes)}</b> order spikes</span>
<span class="chip"><b>{len(manifest.rejected)}</b> candidates not chosen</span><span class="chip"><b>{stats.orders_used}</b> orders used</span></div>
<h2>Order timeline</h2><div class="panel">{timeline_svg(spikes, manifest, names)}</div>
<h2>Reels</h2>{cards}
{f'<h2>Why fewer reels</h2><div class="panel"><ul>{notes}</ul></div>' if notes else ''}
<h2>Candidates not chosen</h2><table class="list"><tr><th>Product</th><th>Spike</th><th>Candidate</th><th>Reason</th></tr>{rejected}</table>
{exports}
{transcript_checks(transcript)}
<h2>Order log</h2><div class="panel"><p>{stats.orders_used} orders used of {stats.rows} rows in <code>{_e(Path(stats.source).name)}</code> ({_e(stats.format)}):
{stats.duplicates} duplicates, {stats.cancelled} cancelled, {stats.not_live} not from the live, {stats.outside_recording} outside the recording, {sum(stats.unknown_skus.values())} with an unknown SKU{f' ({unknown})' if unknown else ''}, {stats.unreadable} unreadable.</p>
{f'<p class="meta">Orders per product-match rule: {rules}</p>' if rules else ''}
{f'<ul>{order_notes}</ul>' if order_notes else ''}
{f'<ul>{problems}</ul>' if problems else ''}</div>
</main></body></html>
"""
