"""What the studio page is sent about a run, and the plan a re-render is given: pure functions of
the run's artifacts."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ..models import Catalog, Manifest, Moment, MomentPlan, SpikeReport, Word

MAX_BINS = 2000


def build_orders(spikes: SpikeReport | None, catalog: Catalog, duration_s: float) -> dict[str, Any]:
    """Orders per bin per product, and the spikes, for the order timeline."""
    if spikes is None:
        return {"bin_s": 60.0, "series": [], "spikes": []}
    names = {p.sku: p.name for p in catalog.products}
    bins = min(MAX_BINS, int(duration_s // max(1e-3, spikes.timeline_bin_s)) + 1)
    series = [{"sku": t.sku, "name": names.get(t.sku, t.sku), "counts": list(t.counts[:bins])}
              for t in spikes.timeline if any(t.counts)]
    found = [{"sku": s.sku, "onset_s": s.onset_s, "peak_s": s.peak_s, "end_s": s.end_s, "orders": s.orders}
             for s in spikes.spikes]
    return {"bin_s": spikes.timeline_bin_s, "series": series, "spikes": found}


def build_words(words: list[Word]) -> list[dict[str, Any]]:
    return [{"start_s": round(w.start_s, 3), "end_s": round(w.end_s, 3), "text": w.text.strip()} for w in words]


def file_url(run: str, name: str, version: int | str) -> str:
    return f"/api/runs/{quote(run)}/files/{quote(name)}?v={quote(str(version))}"


def build_reels(run: str, plan: MomentPlan, manifest: Manifest | None, dirty: dict[str, bool],
                version: int | str) -> dict[str, dict[str, Any]]:
    """Per moment: whether it is rendered, whether the plan changed since, and its files."""
    listed = {r.id: r for r in manifest.reels} if manifest else {}
    out: dict[str, dict[str, Any]] = {}
    for m in plan.moments:
        reel = listed.get(m.id)
        out[m.id] = {
            "rendered": reel is not None,
            "dirty": m.review != "rejected" and dirty.get(m.id, reel is None),
            "file_url": file_url(run, reel.file, version) if reel else None,
            "thumbnail_url": file_url(run, reel.thumbnail, version) if reel else None,
            "duration_s": reel.duration_s if reel else None,
        }
    return out


def build_render_plan(plan: MomentPlan, selected: set[str], rendered: dict[str, Moment]) -> MomentPlan:
    """The plan a re-render gets: the selected moments as they are now; every other moment as it was
    last rendered (so its reel is reused, not changed behind the editor's back); moments never
    rendered and not selected are left out until they are asked for."""
    moments: list[Moment] = []
    for m in plan.moments:
        if m.id in selected or m.review == "rejected":
            moments.append(m)
        elif m.id in rendered:
            moments.append(rendered[m.id].model_copy(update={"review": m.review}))
    return plan.model_copy(update={"moments": moments})


def build_catalog(catalog: Catalog) -> list[dict[str, Any]]:
    return [{"sku": p.sku, "name": p.name, "url": p.url, "price": p.price, "currency": p.currency} for p in catalog.products]
