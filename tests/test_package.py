from urllib.parse import parse_qs, urlsplit

import pytest

from reelcart.catalog import load_catalog, parse_price
from reelcart.errors import InputError
from reelcart.stages.package import tracked_link


def test_tracked_link_keeps_query_and_fragment():
    link = tracked_link("https://shop.example.com/p?variant=123&utm_source=old#reviews", source="tiktok", medium="social",
                        campaign="nov-live", content="reel-2")
    parts = urlsplit(link)
    q = parse_qs(parts.query)
    assert parts.fragment == "reviews"
    assert q == {"variant": ["123"], "utm_source": ["tiktok"], "utm_medium": ["social"], "utm_campaign": ["nov-live"],
                 "utm_content": ["reel-2"]}


@pytest.mark.parametrize("text, value", [("19.99", 19.99), ("$1,299.00", 1299.0), ("1.299,00 €", 1299.0), ("12,5", 12.5), ("", None)])
def test_parse_price(text, value):
    assert parse_price(text) == value


def test_catalog_reads_aliases_and_rejects_bad_urls(tmp_path):
    good = tmp_path / "catalog.csv"
    good.write_text("sku,name,url,price,aliases\nA,Glow Serum,https://x.example/a,9.5,glow|serum\n")
    cat = load_catalog(good)
    assert cat.products[0].aliases == ["glow", "serum"] and cat.products[0].price == 9.5
    for url in ("javascript:alert(1)", "file:///etc/passwd", "ftp://x/y"):
        bad = tmp_path / "bad.csv"
        bad.write_text(f"sku,name,url\nA,Glow,https://x.example/a\nB,Bad,{url}\n")
        with pytest.raises(InputError, match=r"bad.csv: line 3: product URL .* is not an http\(s\) link"):
            load_catalog(bad)


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
