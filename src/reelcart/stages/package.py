"""Package the run for marketers: manifest.json, per-platform copy and tracked links, the scheduler
export (schedule.csv and the tiktok/, reels/, shorts/ upload folders) and the review page.

``build_manifest`` is pure; ``package_run`` writes everything, the manifest last, so a manifest on
disk always describes files that exist.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from .. import __version__
from ..artifacts import MANIFEST_FILE, write_text_atomic
from ..config import PackageConfig, Preset
from ..handoff.copywriting import build_copy, clip_words, format_price, key_phrase, merge_hashtags, product_hashtag, transcript_excerpt
from ..models import (
    Catalog,
    Exports,
    Manifest,
    ManifestProduct,
    ManifestReel,
    Moment,
    MomentPlan,
    PlatformPost,
    Product,
    RenderedReel,
    RenderResult,
    SpikeReport,
    Transcript,
    Word,
)
from ..handoff.export import exported_reels
from ..handoff.links import campaign_name, reel_link, tracked_link, upload_name, utm_source_for
from ..handoff.platforms import PLATFORMS
from ..timeline import words_inside

STAGE = "package"
VERSION = 2
SCHEDULE_CSV = "schedule.csv"


def copy_templates(config: PackageConfig, language: str) -> tuple[str, str, str]:
    """(title template, description template, language they are written in): the stream's language, else English."""
    lang = (language or "en").replace("_", "-").lower()
    for key in (lang, lang.split("-")[0]):
        if key in config.title_templates or key in config.description_templates:
            return (config.title_templates.get(key, config.title_template),
                    config.description_templates.get(key, config.description_template), key)
    return config.title_template, config.description_template, "en"


# ---------------------------------------------------------------- manifest


def _reel_words(transcript: Transcript | None, moment: Moment) -> list[Word]:
    """The words the reel plays (source times; words in a cut are left out)."""
    if transcript is None:
        return []
    return words_inside(transcript.words(), moment.spans())


@dataclass
class _CopyContext:
    """What every reel's copy shares in one run."""

    config: PackageConfig
    source: Path
    stream_start: datetime | None
    campaign: str
    language: str
    copy_language: str
    title_template: str
    description_template: str
    cta_phrases: list[str]
    stale_phrases: list[str]
    targets: list[str]


def _copy_context(preset: Preset, source: Path, plan: MomentPlan, spikes: SpikeReport) -> _CopyContext:
    config = preset.package
    language = plan.language or "en"
    title_t, description_t, copy_language = copy_templates(config, language)
    lexicon_langs = [language.split("-")[0]] + (["en"] if not language.startswith("en") else [])
    return _CopyContext(
        config=config, source=source, stream_start=spikes.stream_start, campaign=campaign_name(config, source, spikes.stream_start),
        language=language, copy_language=copy_language, title_template=title_t, description_template=description_t,
        cta_phrases=[p for lang in lexicon_langs for p in preset.moments.cta_phrases.get(lang, [])],
        stale_phrases=[p for lang in lexicon_langs for p in preset.moments.stale_phrases.get(lang, [])],
        targets=list(dict.fromkeys(config.platforms)),
    )


def _manifest_reel(ctx: _CopyContext, moment: Moment, reel: RenderedReel, product: Product, transcript: Transcript | None,
                   index: int | None) -> ManifestReel:
    """One reel of the manifest: its key phrase, the main platform's copy and link, and a post per target platform."""
    config = ctx.config
    words = _reel_words(transcript, moment)
    phrase = key_phrase(words, product=product, language=ctx.language, cta_phrases=ctx.cta_phrases,
                        stale_phrases=ctx.stale_phrases, max_chars=config.key_phrase_max_chars) if words else ""
    if not phrase and moment.key_phrase:  # no transcript at hand: the plan's sentence, cut on a word boundary
        phrase = clip_words(moment.key_phrase, config.key_phrase_max_chars, ellipsis=False).rstrip(" .,;:!?")
    fields = {"product_name": product.name, "price": format_price(product.price, product.currency, ctx.copy_language),
              "key_phrase": phrase, "sku": product.sku}
    own_tags = [product_hashtag(product.name)] if config.product_hashtag else []
    scheduled = None
    if config.schedule_start is not None and index is not None:  # a reel left out of the exports has no post time
        scheduled = config.schedule_start + timedelta(hours=config.schedule_every_h * index)
    name = upload_name(moment.id, product)

    def copy_for(platform: str, link: str):  # noqa: ANN202 - copywriting's PostCopy
        tags = merge_hashtags(own_tags, config.hashtags, config.platform_hashtags.get(platform, []), limit=config.max_hashtags)
        return build_copy(PLATFORMS[platform], title_template=ctx.title_template, description_template=ctx.description_template,
                          fields={**fields, "link": link}, hashtags=tags)

    posts: list[PlatformPost] = []
    for platform in ctx.targets:
        link = tracked_link(product.url, source=utm_source_for(config, platform), medium=config.utm_medium,
                            campaign=ctx.campaign, content=moment.id)
        text = copy_for(platform, link)
        posts.append(PlatformPost(
            platform=platform, file=f"{platform}/{name}.mp4", cover=f"{platform}/{name}.jpg", title=text.title,
            description=text.description, hashtags=text.hashtags, caption=text.caption, link=link, scheduled_at=scheduled,
        ))
    main_link = reel_link(product.url, config, ctx.source, moment.id, ctx.stream_start)
    main_copy = copy_for(config.platform, main_link)
    return ManifestReel(
        id=moment.id, file=reel.file, start_s=moment.start_s, end_s=moment.end_s, duration_s=round(moment.duration_s, 3),
        product=ManifestProduct(sku=product.sku, name=product.name, url=product.url, price=product.price, currency=product.currency),
        link=main_link, captions=reel.captions_file, thumbnail=reel.thumbnail, title=main_copy.title,
        description=main_copy.description, hashtags=main_copy.hashtags, score=moment.score, warnings=moment.warnings,
        spike_onset_s=moment.spike_onset_s, key_phrase=phrase,
        transcript_excerpt=transcript_excerpt(words) if words else moment.first_words, cta_text=moment.cta_text,
        segments=moment.spans(), cuts=moment.cuts, posts=posts, review=moment.review,
    )


def exported_ids(plan: MomentPlan) -> set[str]:
    """The reels that go to schedule.csv and the upload folders: once an editor has reviewed any
    reel (approved or rejected), the approved ones only; a plan nobody reviewed exports every reel
    that is not rejected (a plain ``reelcart run``)."""
    if any(m.review != "pending" for m in plan.moments):
        return {m.id for m in plan.moments if m.review == "approved"}
    return {m.id for m in plan.moments if m.review != "rejected"}


def build_manifest(
    *,
    source: Path,
    preset: Preset,
    plan: MomentPlan,
    rendered: RenderResult,
    catalog: Catalog,
    spikes: SpikeReport,
    transcript: Transcript | None = None,
) -> Manifest:
    ctx = _copy_context(preset, source, plan, spikes)
    products = catalog.by_sku()
    files = {r.id: r for r in rendered.reels}
    reels: list[ManifestReel] = []
    exported = exported_ids(plan)
    for moment in plan.moments:
        if moment.id in files and moment.review != "rejected":
            # schedule times count the exported reels only: an approved reel takes the first free slot
            slot = sum(1 for r in reels if r.id in exported) if moment.id in exported else None
            reels.append(_manifest_reel(ctx, moment, files[moment.id], products[moment.sku], transcript, slot))
    targets = ctx.targets
    exports = Exports(schedule_csv=SCHEDULE_CSV, folders={p: f"{p}/" for p in targets},
                      reels=[r.id for r in reels if r.id in exported]) if targets else None
    return Manifest(
        tool="reelcart", version=__version__, source=str(source), stream_start=spikes.stream_start, preset=preset.name,
        platform=ctx.config.platform, language=ctx.language, copy_language=ctx.copy_language, campaign=ctx.campaign,
        reels=reels, fewer_reels_reason=plan.notes, rejected=plan.rejected, order_stats=spikes.stats, exports=exports,
    )


def output_files(manifest: Manifest) -> list[str]:
    """Every file package_run writes (relative to the output folder), for the pipeline's cache check."""
    files = [MANIFEST_FILE, "report.html"]
    if manifest.exports is not None:
        files.append(manifest.exports.schedule_csv)
        files += [f"{folder}{SCHEDULE_CSV}" for folder in manifest.exports.folders.values()]
    files += [p for reel in exported_reels(manifest) for post in reel.posts for p in (post.file, post.cover)]
    return files


def manifest_json(manifest: Manifest) -> str:
    return json.dumps(json.loads(manifest.model_dump_json()), indent=2, ensure_ascii=False) + "\n"


def package_run(
    out_dir: Path,
    *,
    source: Path,
    preset: Preset,
    plan: MomentPlan,
    rendered: RenderResult,
    catalog: Catalog,
    spikes: SpikeReport,
    transcript: Transcript | None = None,
) -> Manifest:
    """Build the manifest and write the exports, the review page and manifest.json (last)."""
    from ..handoff.export import previous_exports, write_exports
    from ..handoff.report import build_report

    out_dir = Path(out_dir)
    manifest = build_manifest(source=source, preset=preset, plan=plan, rendered=rendered, catalog=catalog,
                              spikes=spikes, transcript=transcript)
    stale = previous_exports(out_dir)
    write_exports(out_dir, manifest, preset.package, stale=stale)
    write_text_atomic(out_dir / "report.html", build_report(manifest, spikes, catalog, transcript))
    write_text_atomic(out_dir / MANIFEST_FILE, manifest_json(manifest))
    return manifest

