"""Package the run for marketers: manifest.json, per-platform copy and tracked links, the scheduler
export (schedule.csv and the tiktok/, reels/, shorts/ upload folders) and the review page.

``build_manifest`` is pure; ``package_run`` writes everything, the manifest last, so a manifest on
disk always describes files that exist.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

from .. import __version__
from ..artifacts import MANIFEST_FILE, write_text_atomic
from ..config import DEFAULT_UTM_SOURCES, PackageConfig, Preset
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
    RenderResult,
    SpikeReport,
    Transcript,
    Word,
)
from ..handoff.platforms import SPECS
from ..timeline import words_inside

STAGE = "package"
VERSION = 2
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content")
SCHEDULE_CSV = "schedule.csv"
# RFC 3986 characters that may stay as they are in each part (plus '%' so existing escapes survive)
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"
_SAFE_QUERY = "/?%:@!$&'()*+,;=-._~"


# ---------------------------------------------------------------- tracked links


def _ascii_host(host: str) -> str:
    """IDN host -> punycode (``bücher.example`` -> ``xn--bcher-kva.example``); ASCII hosts unchanged."""
    if host.isascii():
        return host.lower()
    try:
        import idna

        return idna.encode(host, uts46=True).decode("ascii")
    except (ImportError, UnicodeError, ValueError):
        try:
            return host.encode("idna").decode("ascii")
        except UnicodeError:
            return quote(host, safe="")


def _ascii_netloc(netloc: str) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    if hostport.startswith("["):  # IPv6 literal
        host, port = hostport, ""
    else:
        host, colon, port = hostport.partition(":")
        port = colon + port
    userinfo = quote(userinfo, safe="%:!$&'()*+,;=-._~") + at if at else ""
    return userinfo + (host if host.startswith("[") else _ascii_host(host)) + port


def _query_key(segment: str) -> str:
    return unquote_plus(segment.split("=", 1)[0]).strip().lower()


def tracked_link(url: str, *, source: str, medium: str, campaign: str, content: str) -> str:
    """The product URL with UTM parameters, as a plain-ASCII URI every app links correctly.

    The URL's own query parameters keep their order and their exact encoding (``?ref``,
    ``a=b%2Fc``, ``q=a+b`` stay as written); only the four UTM parameters reelcart sets are
    replaced (``utm_term`` and ``utm_id`` stay). The fragment stays at the end. An IDN host is
    written in punycode and non-ASCII or unsafe characters in the path, query and fragment are
    percent-encoded, so the link survives captions, CSV files and URL shorteners.
    """
    parts = urlsplit(url.strip())
    path = quote(parts.path, safe=_SAFE_PATH) or "/"
    kept = [quote(seg, safe=_SAFE_QUERY) for seg in parts.query.split("&") if seg and _query_key(seg) not in UTM_KEYS]
    utm = [f"{key}={quote(value, safe='-._~')}" for key, value in
           zip(UTM_KEYS, (source, medium, campaign, content), strict=True) if value]
    fragment = quote(parts.fragment, safe=_SAFE_QUERY)
    return urlunsplit((parts.scheme.lower(), _ascii_netloc(parts.netloc), path, "&".join([*kept, *utm]), fragment))


def slug(text: str, limit: int = 60) -> str:
    """ASCII slug for file names and campaign names ('Kem dưỡng da' -> 'kem-duong-da'); '' if nothing is left."""
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    out = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return out[:limit].rstrip("-")


def campaign_name(config: PackageConfig, source: Path, stream_start: datetime | None) -> str:
    if config.utm_campaign:
        return config.utm_campaign
    name = slug(source.stem) or "stream"
    if stream_start is not None:
        day = stream_start.date().isoformat()
        if day not in name:
            name = f"{name}-{day}"
    return name


def upload_name(reel_id: str, product: Product) -> str:
    """File name (without extension) a marketer uploads: 'reel-1-velvet-glow-serum'."""
    base = slug(product.name, 48) or slug(product.sku, 48)
    return f"{reel_id}-{base}" if base else reel_id


def reel_link(url: str, config: PackageConfig, source: Path | str, reel_id: str, stream_start: datetime | None = None) -> str:
    """The main tracked link of one reel: the manifest's ``link`` and the QR code burned into the reel."""
    return tracked_link(url, source=config.utm_source or utm_source_for(config, config.platform), medium=config.utm_medium,
                        campaign=campaign_name(config, Path(source), stream_start), content=reel_id)


def utm_source_for(config: PackageConfig, platform: str) -> str:
    return config.utm_sources.get(platform) or DEFAULT_UTM_SOURCES.get(platform, platform)


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
    config: PackageConfig = preset.package
    products = catalog.by_sku()
    files = {r.id: r for r in rendered.reels}
    campaign = campaign_name(config, source, spikes.stream_start)
    language = plan.language or "en"
    title_t, description_t, copy_language = copy_templates(config, language)
    lexicon_langs = [language.split("-")[0]] + (["en"] if not language.startswith("en") else [])
    cta_phrases = [p for lang in lexicon_langs for p in preset.moments.cta_phrases.get(lang, [])]
    stale_phrases = [p for lang in lexicon_langs for p in preset.moments.stale_phrases.get(lang, [])]
    targets = list(dict.fromkeys(config.platforms))
    reels: list[ManifestReel] = []
    for moment in plan.moments:
        reel = files.get(moment.id)
        if reel is None:
            continue
        product = products[moment.sku]
        words = _reel_words(transcript, moment)
        phrase = key_phrase(words, product=product, language=language, cta_phrases=cta_phrases,
                            stale_phrases=stale_phrases, max_chars=config.key_phrase_max_chars) if words else ""
        if not phrase and moment.key_phrase:  # no transcript at hand: the plan's sentence, cut on a word boundary
            phrase = clip_words(moment.key_phrase, config.key_phrase_max_chars, ellipsis=False).rstrip(" .,;:!?")
        fields = {"product_name": product.name, "price": format_price(product.price, product.currency, copy_language),
                  "key_phrase": phrase, "sku": product.sku}
        own_tags = [product_hashtag(product.name)] if config.product_hashtag else []
        scheduled = None
        if config.schedule_start is not None:
            scheduled = config.schedule_start + timedelta(hours=config.schedule_every_h * len(reels))
        name = upload_name(moment.id, product)

        def tags_for(platform: str) -> list[str]:
            return merge_hashtags(own_tags, config.hashtags, config.platform_hashtags.get(platform, []), limit=config.max_hashtags)

        posts: list[PlatformPost] = []
        for platform in targets:
            link = tracked_link(product.url, source=utm_source_for(config, platform), medium=config.utm_medium,
                                campaign=campaign, content=moment.id)
            text = build_copy(SPECS[platform], title_template=title_t, description_template=description_t,
                              fields={**fields, "link": link}, hashtags=tags_for(platform))
            posts.append(PlatformPost(
                platform=platform, file=f"{platform}/{name}.mp4", cover=f"{platform}/{name}.jpg", title=text.title,
                description=text.description, hashtags=text.hashtags, caption=text.caption, link=link, scheduled_at=scheduled,
            ))
        main = config.platform
        main_link = reel_link(product.url, config, source, moment.id, spikes.stream_start)
        main_copy = build_copy(SPECS[main], title_template=title_t, description_template=description_t,
                               fields={**fields, "link": main_link}, hashtags=tags_for(main))
        reels.append(
            ManifestReel(
                id=moment.id,
                file=reel.file,
                start_s=moment.start_s,
                end_s=moment.end_s,
                duration_s=round(moment.duration_s, 3),
                product=ManifestProduct(sku=product.sku, name=product.name, url=product.url, price=product.price, currency=product.currency),
                link=main_link,
                captions=reel.captions_file,
                thumbnail=reel.thumbnail,
                title=main_copy.title,
                description=main_copy.description,
                hashtags=main_copy.hashtags,
                score=moment.score,
                warnings=moment.warnings,
                spike_onset_s=moment.spike_onset_s,
                key_phrase=phrase,
                transcript_excerpt=transcript_excerpt(words) if words else moment.first_words,
                cta_text=moment.cta_text,
                segments=moment.spans(),
                cuts=moment.cuts,
                posts=posts,
            )
        )
    exports = Exports(schedule_csv=SCHEDULE_CSV, folders={p: f"{p}/" for p in targets}) if targets else None
    return Manifest(
        tool="reelcart",
        version=__version__,
        source=str(source),
        stream_start=spikes.stream_start,
        preset=preset.name,
        platform=config.platform,
        language=language,
        copy_language=copy_language,
        campaign=campaign,
        reels=reels,
        fewer_reels_reason=plan.notes,
        rejected=plan.rejected,
        order_stats=spikes.stats,
        exports=exports,
    )


# ---------------------------------------------------------------- writing


def output_files(manifest: Manifest) -> list[str]:
    """Every file package_run writes (relative to the output folder), for the pipeline's cache check."""
    files = [MANIFEST_FILE, "report.html"]
    if manifest.exports is not None:
        files.append(manifest.exports.schedule_csv)
        files += [f"{folder}{SCHEDULE_CSV}" for folder in manifest.exports.folders.values()]
    files += [p for reel in manifest.reels for post in reel.posts for p in (post.file, post.cover)]
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
    write_text_atomic(out_dir / "report.html", build_report(manifest, spikes, catalog))
    write_text_atomic(out_dir / MANIFEST_FILE, manifest_json(manifest))
    return manifest


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")
