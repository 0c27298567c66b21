"""Tracked links, catalog URL checks, copy templates, the key phrase and per-platform copy limits."""

from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest

from reelcart.inputs.catalog import load_catalog, parse_price
from reelcart.config import ConfigError, PackageConfig, load_preset
from reelcart.handoff.copywriting import build_copy, format_price, hashtag, key_phrase, merge_hashtags, transcript_excerpt
from reelcart.errors import InputError
from reelcart.models import Product
from reelcart.handoff.platforms import PLATFORMS, text_length
from reelcart.handoff.links import campaign_name, slug, tracked_link, upload_name
from reelcart.stages.package import copy_templates
from reelcart.handoff.templates import render_template, template_fields

from .conftest import SAMPLES, words_from_script

UTM = dict(source="tiktok", medium="social", campaign="nov-live", content="reel-2")


def utm_of(link: str) -> dict[str, list[str]]:
    return {k: v for k, v in parse_qs(urlsplit(link).query, keep_blank_values=True).items() if k.startswith("utm_")}


# ---------------------------------------------------------------- tracked links


def test_tracked_link_keeps_query_and_fragment():
    link = tracked_link("https://shop.example.com/p?variant=123&utm_source=old#reviews", **UTM)
    parts = urlsplit(link)
    q = parse_qs(parts.query)
    assert parts.fragment == "reviews"
    assert q == {"variant": ["123"], "utm_source": ["tiktok"], "utm_medium": ["social"], "utm_campaign": ["nov-live"],
                 "utm_content": ["reel-2"]}


def test_tracked_link_keeps_the_urls_own_encoding_and_order():
    link = tracked_link("https://shop.example.com/p?ref&a=b%2Fc&q=red+shoes&x=%E2%9C%93#size=m?x", **UTM)
    query = urlsplit(link).query
    assert query.startswith("ref&a=b%2Fc&q=red+shoes&x=%E2%9C%93&utm_source=tiktok&")  # byte for byte, in order
    assert urlsplit(link).fragment == "size=m?x"


def test_tracked_link_replaces_only_the_utm_fields_it_sets():
    link = tracked_link("https://x.example/p?UTM_SOURCE=fb&utm_medium=cpc&utm_term=serum&utm_id=42&utm_campaign=a%20b", **UTM)
    pairs = parse_qsl(urlsplit(link).query)
    assert ("utm_term", "serum") in pairs and ("utm_id", "42") in pairs
    assert [k for k, _ in pairs].count("utm_source") == 1 and ("UTM_SOURCE", "fb") not in pairs
    assert utm_of(link) == {"utm_source": ["tiktok"], "utm_medium": ["social"], "utm_campaign": ["nov-live"],
                            "utm_content": ["reel-2"], "utm_term": ["serum"], "utm_id": ["42"]}


def test_tracked_link_idn_host_and_non_ascii_become_a_plain_ascii_uri():
    link = tracked_link("https://bücher.example:8443/sách/đồ chơi?màu=đỏ#đánh-giá", **UTM)
    assert link.isascii()
    parts = urlsplit(link)
    assert parts.netloc == "xn--bcher-kva.example:8443"
    assert parts.path == "/s%C3%A1ch/%C4%91%E1%BB%93%20ch%C6%A1i"
    assert parse_qs(parts.query)["màu"] == ["đỏ"] and parts.fragment == "%C4%91%C3%A1nh-gi%C3%A1"


def test_tracked_link_encodes_what_would_break_html_csv_or_captions():
    link = tracked_link('https://x.example/p?q="><script>alert(1)</script>&n=1', source="tiktok", medium="social",
                        campaign="black friday & more", content="reel-1")
    assert not set('"<> ') & set(link)
    assert parse_qs(urlsplit(link).query)["q"] == ['"><script>alert(1)</script>']
    assert utm_of(link)["utm_campaign"] == ["black friday & more"]


def test_tracked_link_bare_host_gets_a_path_and_keeps_port_and_user():
    link = tracked_link("HTTPS://user@Shop.Example.com:8080", **UTM)
    assert link.startswith("https://user@shop.example.com:8080/?utm_source=tiktok")


def test_campaign_slug_and_upload_names():
    from datetime import datetime, timezone
    from pathlib import Path

    config = PackageConfig()
    start = datetime(2026, 11, 20, 19, 0, tzinfo=timezone.utc)
    assert campaign_name(config, Path("/x/Friday Live!.mp4"), start) == "friday-live-2026-11-20"
    assert campaign_name(config, Path("/x/live-2026-11-20.mp4"), start) == "live-2026-11-20"
    assert campaign_name(PackageConfig(utm_campaign="bf26"), Path("/x/a.mp4"), start) == "bf26"
    assert slug("Kem dưỡng da Đà Lạt") == "kem-duong-da-da-lat"
    assert upload_name("reel-1", Product(sku="SKU-1", name="小黄鸭", url="https://x.example")) == "reel-1-sku-1"
    assert upload_name("reel-2", Product(sku="A", name='"><img src=x>', url="https://x.example")) == "reel-2-img-src-x"


# ---------------------------------------------------------------- catalog URLs


@pytest.mark.parametrize("text, value", [("19.99", 19.99), ("$1,299.00", 1299.0), ("1.299,00 €", 1299.0), ("12,5", 12.5), ("", None)])
def test_parse_price(text, value):
    assert parse_price(text) == value


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(document.domain)", " javascript:alert(1)",
                                 "file:///etc/passwd", "data:text/html,<script>alert(1)</script>", "ftp://x/y", "//x.example/p",
                                 "https:///nohost", "vbscript:msgbox(1)"])
def test_catalog_rejects_non_http_urls_naming_the_row(tmp_path, url):
    bad = tmp_path / "bad.csv"
    bad.write_text(f'sku,name,url\nA,Glow,https://x.example/a\nB,Bad,"{url}"\n')
    with pytest.raises(InputError, match=r"bad.csv: line 3: product URL .* is not an http\(s\) link"):
        load_catalog(bad)


def test_catalog_reads_aliases_and_accepts_idn_urls(tmp_path):
    good = tmp_path / "catalog.csv"
    good.write_text("sku,name,url,price,aliases\nA,Glow Serum,https://x.example/a,9.5,glow|serum\nB,Sách,https://bücher.example/sách?a=1#b,,\n")
    cat = load_catalog(good)
    assert cat.products[0].aliases == ["glow", "serum"] and cat.products[0].price == 9.5
    assert cat.products[1].url == "https://bücher.example/sách?a=1#b"


def test_catalog_yaml_and_json(tmp_path):
    y = tmp_path / "catalog.yaml"
    y.write_text("products:\n  - sku: A\n    name: Glow\n    url: https://x.example/a\n")
    j = tmp_path / "catalog.json"
    j.write_text('[{"sku": "A", "name": "Glow", "url": "https://x.example/a", "price": 3}]')
    assert load_catalog(y).products[0].name == "Glow"
    assert load_catalog(j).products[0].price == 3.0


@pytest.mark.parametrize("content, message", [
    ("sku,name\nA,B\n", r"missing column\(s\) url"),
    ("sku,name,url\n", "catalog has no products"),
    ("sku,name,url\nA,X,https://x.example\nA,Y,https://x.example\n", "listed twice"),
])
def test_catalog_errors(tmp_path, content, message):
    f = tmp_path / "c.csv"
    f.write_text(content)
    with pytest.raises(InputError, match=message):
        load_catalog(f)


# ---------------------------------------------------------------- templates


def test_template_optional_parts_and_escapes():
    t = "{product_name}[ for {price}][: {key_phrase}] [[new]] {{x}}"
    assert template_fields(t) == {"product_name", "price", "key_phrase"}
    assert render_template(t, {"product_name": "Glow", "price": "$5", "key_phrase": ""}) == "Glow for $5 [new] {x}"
    assert render_template(t, {"product_name": "Glow", "price": "", "key_phrase": "Bright skin"}) == "Glow: Bright skin [new] {x}"


@pytest.mark.parametrize("template, message", [
    ("{product}", "unknown field"), ("{price:.2f}", "no format options"), ("[{price}", "without a matching"),
    ("[a [b] c]", "cannot be nested"), ("{0}", "not a plain name"),
])
def test_bad_templates_are_config_errors(tmp_path, template, message):
    preset = tmp_path / "p.yaml"
    preset.write_text(f"package:\n  title_template: '{template}'\n")
    with pytest.raises(ConfigError, match=message):
        load_preset(str(preset))


def test_bad_package_settings_are_config_errors(tmp_path):
    for body, message in [("schedule_start: '2026-11-21T18:00:00'", "UTC offset"), ("media_base_url: ftp://x", "http"),
                          ("utm_sources: {myspace: ms}", "unknown platform"), ("platforms: [tiktok, vine]", "platforms")]:
        preset = tmp_path / "p.yaml"
        preset.write_text(f"package:\n  {body}\n")
        with pytest.raises(ConfigError, match=message):
            load_preset(str(preset))


# ---------------------------------------------------------------- key phrase


@pytest.fixture(scope="module")
def sample_pitches(sample_truth):
    """(product, words of the pitch through its call to action) for every pitch of the sample."""
    catalog = load_catalog(SAMPLES / "catalog.csv").by_sku()
    segments = sample_truth["transcript"]
    out = []
    for pitch in sample_truth["pitches"]:
        script = [(s["start_s"], s["text"]) for s in segments if pitch["start_s"] - 0.1 <= s["start_s"] <= pitch["cta_end_s"]]
        out.append((catalog[pitch["sku"]], words_from_script(script), pitch))
    return out


def test_key_phrase_is_short_clean_and_from_the_pitch(sample_pitches):
    preset = load_preset("default")
    phrases = {}
    for product, words, pitch in sample_pitches:
        phrase = key_phrase(words, product=product, language="en", cta_phrases=preset.moments.cta_phrases["en"],
                            stale_phrases=preset.moments.stale_phrases["en"], max_chars=70)
        phrases[product.sku] = phrase
        spoken = " ".join(w.text for w in words).lower()
        assert 15 <= len(phrase) <= 70, phrase
        assert phrase[0].isupper() and phrase[-1].isalnum(), phrase  # capitalised, no dangling punctuation
        assert phrase.lower() in spoken.replace(",", "").replace(".", "") or phrase.lower().rstrip(".") in spoken, phrase
        assert product.name.lower() not in phrase.lower(), phrase  # the title already names the product
        assert pitch["cta_text"].lower().rstrip(".") not in phrase.lower()
        assert not {"i", "my", "me"} & set(phrase.lower().split()), phrase
        for stale in pitch["stale_phrases"]:
            assert stale not in phrase.lower()
    assert phrases["SKU-GLOW-30"] == "Lightweight vitamin C serum that sinks in fast"
    assert phrases["SKU-CLOUD-BLK"] == "Thick and fluffy fleece that keeps you warm all night long"


def test_key_phrase_other_languages_and_nothing_usable():
    product = Product(sku="A", name="Kem Dưỡng", url="https://x.example")
    words = words_from_script([(0, "Kem Dưỡng này thấm rất nhanh, giúp da sáng và mịn màng cả ngày."), (6, "Bấm vào giỏ hàng ngay.")])
    phrase = key_phrase(words, product=product, language="vi", cta_phrases=["bấm vào giỏ hàng"], stale_phrases=[])
    assert phrase == "Giúp da sáng và mịn màng cả ngày"
    only_cta = words_from_script([(0, "Tap the cart now to grab yours.")])
    assert key_phrase(only_cta, product=product, language="en", cta_phrases=["tap the cart"], stale_phrases=[]) == ""


def test_transcript_excerpt_cuts_on_a_word():
    words = words_from_script([(0, "one two three four five six seven eight nine ten eleven twelve")])
    assert transcript_excerpt(words, max_chars=20) == "one two three four…"


# ---------------------------------------------------------------- copy per platform and language


def test_hashtags_are_clean_deduplicated_and_capped():
    assert hashtag("Velvet Glow Serum") == "#VelvetGlowSerum"
    assert hashtag("<script>alert(1)</script>") == "#ScriptAlert1Script"
    assert hashtag("小黄鸭 保温杯") == "#小黄鸭_保温杯" and hashtag("小黄鸭保温杯") == "#小黄鸭保温杯"
    assert hashtag("سيروم الإشراق") == "#سيروم_الإشراق" and hashtag("Kem dưỡng da") == "#KemDưỡngDa"
    assert hashtag("2026") == "" and hashtag("#") == "" and hashtag("30 ml") == "#30Ml"
    assert merge_hashtags(["#Glow", "#shopping"], ["#SHOPPING", "live deal", "#x"], limit=3) == ["#Glow", "#shopping", "#LiveDeal"]


@pytest.mark.parametrize("language, currency, expected", [("en", "USD", "$24.90"), ("vi", "USD", "24,90\xa0US$"),
                                                           ("vi", "VND", "1.299.000\xa0₫"), ("en", None, "24.90"),
                                                           ("xx-unknown", "EUR", "€24.90")])
def test_price_in_the_streams_language(language, currency, expected):
    price = 1299000 if currency == "VND" else 24.9
    assert format_price(price, currency, language) == expected


@pytest.mark.parametrize("language, expected", [("en", "en"), ("vi", "vi"), ("zh", "zh"), ("es-MX", "es"), ("sw", "en"), ("", "en")])
def test_templates_per_language_with_english_fallback(language, expected):
    title, description, used = copy_templates(PackageConfig(), language)
    assert used == expected
    assert ("Mua " in description) == (expected == "vi") and ("点击购买" in description) == (expected == "zh")


LONG_NAME = "Ultra Hydrating Hyaluronic Acid Vitamin C Niacinamide Overnight Repair Serum Deluxe Edition 100 ml"


@pytest.mark.parametrize("platform", ["tiktok", "reels", "shorts", "generic"])
def test_copy_fits_each_platforms_limits(platform):
    spec = PLATFORMS[platform]
    config = PackageConfig(hashtags=[f"#tag{i}" for i in range(20)], max_hashtags=30)
    phrase = "A lightweight serum that sinks in fast and leaves your skin bright and fresh all day long 😍"
    copy = build_copy(
        spec, title_template=config.title_template, description_template="{key_phrase} " * 40 + "{product_name} <b>now</b> {link}",
        fields={"product_name": LONG_NAME + " <i>", "price": "$24.90", "key_phrase": phrase, "link": "https://x.example/p?a=1"},
        hashtags=merge_hashtags(["#Serum"], config.hashtags, limit=config.max_hashtags),
    )
    assert text_length(copy.title) <= spec.title_max
    assert text_length(copy.caption, spec.caption_unit) <= spec.caption_max
    assert copy.caption == copy.description + "\n\n" + " ".join(copy.hashtags)
    if spec.hashtags_max is not None:
        assert len(copy.hashtags) <= spec.hashtags_max
    assert copy.title.startswith("Ultra Hydrating")  # the name survives, the key phrase is what gets shortened
    assert copy.description.rstrip().endswith("https://x.example/p?a=1")  # the link survives
    if platform in ("shorts", "generic"):
        assert "<" not in copy.title + copy.caption and ">" not in copy.title + copy.caption


def test_youtube_description_limit_is_bytes():
    spec = PLATFORMS["shorts"]
    copy = build_copy(spec, title_template="{product_name}", description_template="{key_phrase} {link}",
                      fields={"product_name": "保温杯", "key_phrase": "保温杯保温效果非常好" * 400, "link": "https://x.example/p"},
                      hashtags=["#保温杯"])
    assert len(copy.caption.encode("utf-8")) <= 5000 < len(copy.caption) * 3 + 100
    assert copy.description.endswith("https://x.example/p")
