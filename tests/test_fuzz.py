"""Property-based tests: the order, catalog, preset and plan parsers end in success or a ReelcartError.

Inputs mix raw bytes, structured-but-wrong tables (random cells among realistic ones) and mutations of
valid documents, so hypothesis reaches deep into each parser rather than failing on the first byte.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reelcart.artifacts import read_model
from reelcart.inputs.catalog import load_catalog
from reelcart.config import OrdersConfig, Preset, load_preset, parse_set_option
from reelcart.errors import ReelcartError
from reelcart.models import Catalog, MediaInfo, MomentPlan, Product
from reelcart.inputs.orders import load_orders

from .reliability_kit import SAMPLES

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TMP = Path(tempfile.mkdtemp(prefix="reelcart-fuzz-"))
atexit.register(shutil.rmtree, TMP, True)
START = datetime(2026, 11, 20, 19, 0, tzinfo=timezone(timedelta(hours=7)))

TOKENS = ["", " ", "0", "-1", "1e309", "nan", "inf", "-0", "46346.5", "1763640000", "1763640000000", "2026-11-20T19:00:12+07:00",
          "2026-11-20 19:00:12", "2026-13-45T99:00:00Z", "0:00:12", "99:99:99", "12,5", "1.000,50", "€12", "$1e3",
          "SKU-GLOW-30", "SKU-BAMBOO-750", "https://shop.example.com/x", "javascript:alert(1)", "http://", "=1+1",
          "\"", "'", ";", "\ufeff", "\x00", "\u202e", "名", "cancelled", "refunded", "paid", "{", "[", "- a", "&a *a"]
cell = st.one_of(st.sampled_from(TOKENS), st.text(max_size=12))
ORDER_HEADERS = ["order_id", "timestamp", "sku", "quantity", "amount", "status", "created_at", "Lineitem sku",
                 "Lineitem quantity", "Name", "Order ID", "Created Time", "Seller SKU", "Quantity", "price", "time"]
CATALOG_HEADERS = ["sku", "name", "url", "price", "currency", "aliases", "image", "keywords"]


def table_text(headers: list[str]):  # noqa: ANN201 - hypothesis strategy
    header = st.lists(st.one_of(st.sampled_from(headers), st.text(max_size=8)), min_size=1, max_size=8)
    return st.tuples(header, st.lists(st.lists(cell, max_size=9), max_size=12), st.sampled_from([",", ";", "\t", "|"])).map(
        lambda t: t[2].join(t[0]) + "\n" + "".join(t[2].join(r) + "\n" for r in t[1]))


def records_text(headers: list[str], fmt: str):  # noqa: ANN201
    value = st.one_of(cell, st.integers(), st.floats(allow_nan=True), st.none(), st.booleans(), st.lists(cell, max_size=2),
                      st.dictionaries(st.text(max_size=3), cell, max_size=2))
    rows = st.lists(st.dictionaries(st.one_of(st.sampled_from(headers), st.text(max_size=6)), value, max_size=8), max_size=8)
    if fmt == "jsonl":
        return rows.map(lambda rs: "".join(json.dumps(r) + "\n" for r in rs))
    if fmt == "yaml":
        return rows.map(lambda rs: yaml.safe_dump(rs, allow_unicode=True))
    return st.one_of(rows.map(json.dumps), rows.map(lambda rs: json.dumps({"orders": rs, "products": rs})))


def inputs(headers: list[str], fmts: tuple[str, ...]):  # noqa: ANN201
    """(suffix, bytes): raw bytes, random text, tables and record lists, with any of the suffixes."""
    texts = [table_text(headers).map(lambda s: ("csv", s))]
    texts += [records_text(headers, f).map(lambda s, f=f: (f, s)) for f in fmts if f != "csv"]
    encoded = st.one_of(*texts).flatmap(lambda fs: st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]).map(
        lambda enc: (fs[0], fs[1].encode(enc, errors="replace"))))
    raw = st.tuples(st.sampled_from(list(fmts)), st.one_of(st.binary(max_size=300), st.text(max_size=200).map(str.encode)))
    return st.one_of(encoded, raw)


def write(suffix: str, data: bytes) -> Path:
    path = TMP / f"input.{suffix}"
    path.write_bytes(data)
    return path


@FUZZ
@given(inputs(ORDER_HEADERS, ("csv", "json", "jsonl")), st.booleans(), st.sampled_from([None, "UTC", "Asia/Bangkok", "Nowhere/City"]))
def test_orders_parser_only_raises_reelcart_errors(case, with_start, zone):
    path = write(*case)
    try:
        config = OrdersConfig(timezone=zone) if zone else OrdersConfig()
    except ValueError:
        return  # the preset validation refuses the zone: fine
    try:
        table = load_orders(path, config=config, known_skus={"SKU-GLOW-30", "SKU-BAMBOO-750"}, duration_s=232.8,
                            stream_start=START if with_start else None)
    except ReelcartError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert len(table.t_s) == len(table.sku) == len(table.quantity)
    assert all(0 <= t <= 232.8 for t in table.t_s)
    assert all(q > 0 for q in table.quantity)


@FUZZ
@given(inputs(CATALOG_HEADERS, ("csv", "json", "yaml")))
def test_catalog_parser_only_raises_reelcart_errors(case):
    path = write(*case)
    try:
        catalog = load_catalog(path)
    except ReelcartError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert catalog.products
    for product in catalog.products:
        assert product.url.lower().startswith(("http://", "https://"))


PRESET_KEYS = {"transcribe": ["model", "language", "mode", "beam_size"], "render": ["width_px", "height_px", "fps", "crf"],
               "captions": ["style", "highlight_colour", "max_lines"], "moments": ["count", "min_s", "max_s"],
               "orders": ["timezone", "clock_offset_s"], "package": ["title_template", "base_url", "publish_start"]}
yaml_scalar = st.one_of(cell, st.integers(min_value=-10**6, max_value=10**6), st.floats(), st.booleans(), st.none())
preset_doc = st.dictionaries(
    st.one_of(st.sampled_from([*PRESET_KEYS, "extends", "description", "name"]), st.text(max_size=6)),
    st.one_of(yaml_scalar, st.dictionaries(st.one_of(st.sampled_from(sum(PRESET_KEYS.values(), [])), st.text(max_size=6)),
                                           st.one_of(yaml_scalar, st.lists(yaml_scalar, max_size=3)), max_size=4)),
    max_size=5)


@FUZZ
@given(st.one_of(preset_doc.map(lambda d: yaml.safe_dump(d, allow_unicode=True)), st.text(max_size=200),
                 st.sampled_from(["a: [1", "render: {width_px: !!python/object:os.system x}", "&a [*a]", "extends: ./input.yaml",
                                  "extends: nope", "\t- x", "render:\n  width_px: 1e400"])),
       st.lists(st.tuples(st.text(max_size=20), st.text(max_size=10)).map(lambda kv: f"{kv[0]}={kv[1]}"), max_size=2))
def test_preset_parser_only_raises_reelcart_errors(text, sets):
    path = TMP / "input.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        preset = load_preset(str(path), [parse_set_option(s) for s in sets])
    except ReelcartError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert isinstance(preset, Preset)


def _plan_template() -> dict:
    product = {"sku": "SKU-GLOW-30", "product_name": "Velvet Glow Serum", "start_s": 10.0, "end_s": 25.0}
    return {"source": "x.mp4", "moments": [product]}


CATALOG = Catalog(source="t", products=[Product(sku="SKU-GLOW-30", name="Velvet Glow Serum", url="https://shop.example.com/g")])
INFO = MediaInfo(path=str(SAMPLES / "livestream.mp4"), container="mov", duration_s=40.0, size_bytes=1, has_video=True,
                 has_audio=True, width_px=1280, height_px=720, display_width_px=1280, display_height_px=720, fps=25.0)


def _mutate(plan: dict, key: str, value) -> dict:  # noqa: ANN001
    moment = dict(plan["moments"][0])
    moment[key] = value
    return {**plan, "moments": [moment]}


number = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(min_value=-10**12, max_value=10**12), cell)
crop = st.one_of(st.none(), cell, st.dictionaries(st.sampled_from(["x_px", "y_px", "width_px", "height_px", "mode", "keyframes", "shots"]),
                                                  st.one_of(number, st.lists(number, max_size=3)), max_size=5))


@FUZZ
@given(st.one_of(
    st.binary(max_size=200),
    st.tuples(st.sampled_from(["start_s", "end_s", "sku", "id", "crop", "product_name", "pitch_start_s", "spike_onset_s"]),
              st.one_of(number, crop)).map(lambda kv: json.dumps(_mutate(_plan_template(), *kv), allow_nan=True).encode()),
    st.tuples(number, number).map(lambda se: json.dumps(_mutate(_mutate(_plan_template(), "start_s", se[0]), "end_s", se[1])).encode()),
))
def test_plan_parser_only_raises_reelcart_errors(data):
    from reelcart.pipeline import Pipeline, RunRequest

    path = TMP / "plan.json"
    path.write_bytes(data)
    pipeline = Pipeline(RunRequest(video=path, orders=path, catalog=path, preset=Preset(), out_dir=TMP / "out"))
    try:
        plan = read_model(path, MomentPlan)
        checked = pipeline._check_plan(plan, INFO, CATALOG)
    except ReelcartError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    for m in checked.moments:
        assert 0 <= m.start_s < m.end_s <= INFO.duration_s + 0.05
