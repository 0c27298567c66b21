"""Tracked product links: the product URL with UTM parameters naming the platform, campaign and reel."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

from ..config import DEFAULT_UTM_SOURCES, PackageConfig
from ..models import Product

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content")
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
