"""The package section: platforms, copy templates, links, hashtags, exports and schedule."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from ..handoff.platforms import DEFAULT_HASHTAGS, DEFAULT_UTM_SOURCES, PLATFORM_NAMES, TARGET_NAMES

from .sections import Section


COPY_FIELDS = ("product_name", "price", "key_phrase", "link", "sku")

DEFAULT_TITLE_TEMPLATES: dict[str, str] = {
    "zh": "{product_name}[：{key_phrase}]",
}

DEFAULT_DESCRIPTION_TEMPLATES: dict[str, str] = {
    "es": "[{key_phrase}. ]Consigue {product_name}[ por {price}] aquí: {link}",
    "ar": "[{key_phrase}. ]اطلب {product_name}[ بسعر {price}] من هنا: {link}",
    "vi": "[{key_phrase}. ]Mua {product_name}[ giá chỉ {price}] tại đây: {link}",
    "zh": "[{key_phrase}。]{product_name}[，仅售 {price}]，点击购买：{link}",
}

DEFAULT_PLATFORM_HASHTAGS = DEFAULT_HASHTAGS
TargetPlatform = Literal[TARGET_NAMES]  # type: ignore[valid-type] - built from the platform registry
MainPlatform = Literal[PLATFORM_NAMES]  # type: ignore[valid-type]


def _check_template(template: str) -> str:
    from ..handoff.templates import template_fields

    try:
        unknown = template_fields(template) - set(COPY_FIELDS)
    except ValueError as exc:
        raise ValueError(f"template {template!r}: {exc}") from None
    if unknown:
        raise ValueError(f"template {template!r} uses unknown field(s) {', '.join(sorted(unknown))} (known: {', '.join(COPY_FIELDS)})")
    return template


class PackageConfig(Section):
    platform: MainPlatform = Field(
        "generic", description="Main platform: the manifest's title, description, hashtags and link are written for it."
    )
    platforms: list[TargetPlatform] = Field(
        default_factory=lambda: list(TARGET_NAMES),
        description="Platforms that get an upload folder (tiktok/, reels/, shorts/), copy and rows in schedule.csv.",
    )
    utm_source: str | None = Field(
        None, description="utm_source of the manifest's main link; default: package.utm_sources of the main platform."
    )
    utm_sources: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_UTM_SOURCES), description=f"utm_source per platform ({', '.join(PLATFORM_NAMES)})."
    )
    utm_medium: str = Field("social", min_length=1, description="utm_medium.")
    utm_campaign: str | None = Field(
        None, description="utm_campaign; default: the recording's file name and the stream date (e.g. friday-live-2026-11-20)."
    )
    title_template: str = Field(
        "{product_name}[: {key_phrase}]",
        description="Title in English and any language without its own template; fields: product_name, price, key_phrase, "
        "link, sku; [parts in brackets] are left out when a field inside is empty.",
    )
    description_template: str = Field(
        "[{key_phrase}. ]Get the {product_name}[ for {price}] here: {link}",
        description="Description in English and any language without its own template (same fields as the title).",
    )
    title_templates: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_TITLE_TEMPLATES),
        description="Title per spoken language (ISO 639-1: es, ar, vi, zh…); others use title_template.",
    )
    description_templates: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_DESCRIPTION_TEMPLATES),
        description="Description per spoken language; others use description_template.",
    )
    hashtags: list[str] = Field(default_factory=lambda: ["#shopping", "#livedeal"], description="Hashtags added to every reel.")
    platform_hashtags: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_PLATFORM_HASHTAGS.items()},
        description="Hashtags added on one platform only.",
    )
    product_hashtag: bool = Field(True, description="Add a hashtag made of the product name (#VelvetGlowSerum), first.")
    max_hashtags: int = Field(5, ge=0, le=30, description="Most hashtags a post gets (Instagram allows 5, YouTube ignores all past 15).")
    key_phrase_max_chars: int = Field(70, ge=20, le=200, description="Longest key phrase taken from the pitch.")
    schedule_start: datetime | None = Field(
        None, description="Post time of the first reel (ISO 8601 with offset); empty: schedule.csv leaves the time to you."
    )
    schedule_every_h: float = Field(24.0, gt=0, description="Hours between the posts of consecutive reels.")
    media_base_url: str | None = Field(
        None, description="Public URL the output folder will be uploaded to; fills the media_url column for URL-based importers."
    )
    export_files: Literal["hardlink", "copy"] = Field(
        "hardlink", description="How reels land in the platform folders: hardlink (no extra disk; copy when impossible) or copy."
    )

    @field_validator("title_template", "description_template")
    @classmethod
    def _template(cls, value: str) -> str:
        return _check_template(value)

    @field_validator("title_templates", "description_templates")
    @classmethod
    def _templates(cls, value: dict[str, str]) -> dict[str, str]:
        return {lang: _check_template(t) for lang, t in value.items()}

    @field_validator("utm_sources", "platform_hashtags")
    @classmethod
    def _platform_keys(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = set(value) - set(PLATFORM_NAMES)
        if unknown:
            raise ValueError(f"unknown platform(s) {', '.join(sorted(unknown))} (known: {', '.join(PLATFORM_NAMES)})")
        return value

    @field_validator("schedule_start")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a UTC offset, e.g. 2026-11-21T18:00:00+07:00")
        return value

    @field_validator("media_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value and not value.lower().startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value or None
