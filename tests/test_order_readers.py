"""The order readers' rules on small tables: product matching of variants, the shop's UTC offset,
amounts and ids as shops write them, localized statuses, the live-only split and file quirks."""

from __future__ import annotations

import csv
import re
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from reelcart.inputs.catalog import parse_price
from reelcart.config import OrdersConfig
from reelcart.errors import ConfigError, InputError
from reelcart.models import Catalog, Product
from reelcart.inputs.orders import ProductMatcher, load_orders
from reelcart.inputs.orders.records import Record
from reelcart.inputs.tabular import read_rows

START = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def product(sku: str, name: str, **kw) -> Product:
    return Product(sku=sku, name=name, url=f"https://shop.example.com/{sku.lower()}", **kw)


CATALOG = Catalog(source="test", products=[
    product("KB-101", "Cloudnest Baby Carrier", variants=["7001"], product_ids=["P-1"]),
    product("KB-101-XL", "Cloudnest Baby Carrier XL"),
    product("MUG", "Travel Mug", variants=["M-RED"]),
    product("MUG-2", "Travel Mug", variants=["M-RED"]),  # same name and variant as MUG: ambiguous
])


def load(path: Path, catalog: Catalog = CATALOG, duration_s: float = 3600, **config):
    return load_orders(path, config=OrdersConfig(**config), known_skus=set(), duration_s=duration_s,
                       stream_start=START, catalog=catalog)


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("record, expected", [
    (Record(1, "", None, sku="KB-101"), ("KB-101", "sku")),
    (Record(1, "", None, sku="", sku_id="7001"), ("KB-101", "variants")),
    (Record(1, "", None, sku="KB-101-GREY-M"), ("KB-101", "sku_prefix")),
    (Record(1, "", None, sku="KB-101-XL-GREY"), ("KB-101-XL", "sku_prefix")),  # the longest prefix
    (Record(1, "", None, sku="KB-1012"), None),  # a prefix must end at a separator
    (Record(1, "", None, sku="KB-101_GREY"), ("KB-101", "sku_prefix")),
    (Record(1, "", None, name="Cloudnest Baby Carrier - Grey / M"), ("KB-101", "name")),
    (Record(1, "", None, name="cloudnest  baby carrier grey", variation="Grey"), ("KB-101", "name")),
    (Record(1, "", None, name="Cloudnest Baby Carrier (Grey, M)"), ("KB-101", "name")),
    (Record(1, "", None, sku="X-9", product_id="P-1"), ("KB-101", "product_id")),
    (Record(1, "", None, sku="X-9"), None),
])
def test_variants_belong_to_their_product_in_the_documented_order(record, expected):
    found = ProductMatcher.from_catalog(CATALOG).match(record)
    assert (found and (found[0], ["sku", "variants", "sku_prefix", "name", "product_id"][found[1]])) == expected


def test_ambiguous_variants_and_names_are_reported_never_guessed(tmp_path):
    path = write_csv(tmp_path / "o.csv", ["order_id", "timestamp", "sku", "product name"], [
        ["1", "2026-11-20T12:01:00Z", "M-RED", ""],
        ["2", "2026-11-20T12:02:00Z", "", "Travel Mug - Red"],
        ["3", "2026-11-20T12:03:00Z", "KB-101-GREY", ""],
    ])
    table = load(path)
    assert table.sku == ["KB-101"] and table.stats.matched_by == {"sku_prefix": 1}
    assert table.stats.ambiguous == {"M-RED": ["MUG", "MUG-2"], "Travel Mug - Red": ["MUG", "MUG-2"]}
    assert any("fit several catalog products" in n and "MUG, MUG-2" in n for n in table.stats.notes)


def stamps_csv(tmp_path: Path, times: list[str]) -> Path:
    return write_csv(tmp_path / "o.csv", ["order_id", "timestamp", "sku"], [[str(i), t, "KB-101"] for i, t in enumerate(times)])


def test_shop_local_times_find_the_one_offset_that_fits(tmp_path):
    path = stamps_csv(tmp_path, ["2026-11-20 16:00:30", "2026-11-20 16:01:00", "2026-11-20 16:02:10"])  # +04:00
    table = load(path, duration_s=240)
    assert table.t_s.tolist() == [30.0, 60.0, 130.0]
    assert any("read as UTC+04:00, inferred: set orders.timezone to be explicit" in n for n in table.stats.notes)
    quarter = load(stamps_csv(tmp_path, ["2026-11-20 17:45:30", "2026-11-20 17:46:00"]), duration_s=240)  # +05:45 Nepal
    assert quarter.t_s.tolist() == [30.0, 60.0]
    assert any("UTC+05:45" in n for n in quarter.stats.notes)


def test_several_fitting_offsets_fail_on_one_line_naming_them_and_the_key(tmp_path):
    path = stamps_csv(tmp_path, ["2026-11-20 16:00:30", "2026-11-20 16:01:00"])
    with pytest.raises(InputError) as caught:
        load(path, duration_s=3 * 3600)  # a three-hour recording: many offsets put two orders inside it
    message = str(caught.value)
    assert "\n" not in message and "12 offsets" in message and "UTC+01:15 to UTC+04:00" in message
    assert "set orders.timezone" in message


def test_a_configured_zone_is_dst_aware_and_never_overridden(tmp_path):
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc)
    path = stamps_csv(tmp_path, ["2026-07-01 08:00:30"])  # New York in summer: UTC-04:00
    table = load_orders(path, config=OrdersConfig(timezone="America/New_York"), known_skus=set(), duration_s=600,
                        stream_start=summer, catalog=CATALOG)
    assert table.t_s.tolist() == [30.0]


def test_huge_epoch_milliseconds_end_as_a_bad_cell_not_an_overflow(tmp_path):
    path = stamps_csv(tmp_path, [str(int(START.timestamp() * 1000) + 30_000), "9" * 30, "1e300"])
    table = load(path)
    assert table.t_s.tolist() == [30.0]
    assert table.stats.unreadable == 2 and "out of range" in table.stats.problems[0].problem
    only_bad = stamps_csv(tmp_path, ["9" * 30])
    with pytest.raises(InputError, match=r"no readable order rows \(line 2: timestamp '9+' is out of range"):
        load(only_bad)


@pytest.mark.parametrize("text, value", [("AED 18.00", 18.0), ("Rp 25.000", 25000.0), ("BRL 35,91", 35.91),
                                         ("₫159.000", 159000.0), ("159.000", 159000.0), ("1.234.567 đ", 1234567.0),
                                         ("KWD 1.250", 1.25), ("US$ 1,299.50", 1299.5), ("¥ 88", 88.0)])
def test_amounts_as_shops_write_them(text, value):
    assert parse_price(text) == value


def test_long_ids_stay_text_and_taobao_cells_are_unwrapped(tmp_path):
    path = write_csv(tmp_path / "o.csv", ["order_id", "timestamp", "sku"], [
        ['="6920000000000000001"', "2026-11-20T12:01:00Z", "KB-101"],
        ['="6920000000000000002"', "2026-11-20T12:02:00Z", "KB-101"],  # one digit apart: not a duplicate
        ["6920000000000000002\t", "2026-11-20T12:03:00Z", "KB-101"],  # the same id again: a duplicate
    ])
    table = load(path)
    assert (table.stats.orders_used, table.stats.duplicates) == (2, 1)


@pytest.mark.parametrize("status", ["Cancelled", "Canceled", "ยกเลิกแล้ว", "Dibatalkan", "Đã hủy", "已关闭", "交易关闭",
                                    "refunded", "voided", "expired", "returned"])
def test_localized_cancelled_statuses(tmp_path, status):
    path = write_csv(tmp_path / "o.csv", ["order_id", "timestamp", "sku", "status"], [
        ["1", "2026-11-20T12:01:00Z", "KB-101", status], ["2", "2026-11-20T12:02:00Z", "KB-101", "paid"],
        ["3", "2026-11-20T12:03:00Z", "KB-101", "partially_refunded"]])
    table = load(path)
    assert (table.stats.cancelled, table.stats.orders_used) == (1, 2)


def test_live_only_true_needs_a_channel_column(tmp_path):
    path = stamps_csv(tmp_path, ["2026-11-20T12:01:00Z"])
    with pytest.raises(ConfigError, match="orders.live_only is true"):
        load(path, live_only=True)


def test_gbk_text_is_read_as_chinese(tmp_path):
    path = write_csv(tmp_path / "gbk.csv", ["订单编号", "标题"], [["1", "天然竹纤维水杯"]], encoding="gbk")
    assert list(read_rows(path)) == [(2, {"订单编号": "1", "标题": "天然竹纤维水杯"})]


def test_xlsx_with_a_wrong_sheet_dimension_is_read_whole(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["order id", "created time", "seller sku"])
    book.active.append(["1", "2026-11-20T12:01:00Z", "KB-101"])
    good = tmp_path / "good.xlsx"
    book.save(good)
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="A1:C2"\s*/>', b'<dimension ref="A1"/>', data)
                assert b'ref="A1"/>' in data
            dst.writestr(item, data)
    assert list(read_rows(bad)) == list(read_rows(good)) == [
        (2, {"order id": "1", "created time": "2026-11-20T12:01:00Z", "seller sku": "KB-101"})]


def test_the_review_page_shows_orders_per_match_rule_and_the_live_split():
    from reelcart.models import Manifest, OrderStats, SpikeReport
    from reelcart.report import build_report

    stats = OrderStats(source="tiktok.xlsx", format="tiktok", rows=96, orders_used=78, not_live=12,
                       matched_by={"variants": 70, "sku_prefix": 8},
                       notes=["sales channel: 81 orders from the live, 12 from elsewhere <Videos>"])
    manifest = Manifest(tool="reelcart", version="0", source="/x/live.mp4", stream_start=START, preset="default",
                        platform="generic", language="en", reels=[], order_stats=stats)
    page = build_report(manifest, SpikeReport(stream_start=None, clock_offset_s=0, bin_s=10, stats=stats, spikes=[]))
    assert "Orders per product-match rule: variants <b>70</b> · sku_prefix <b>8</b>" in page
    assert "12 not from the live" in page and "elsewhere &lt;Videos&gt;" in page


def test_lazada_counts_the_units_of_an_order_that_were_not_cancelled(tmp_path):
    header = ["orderItemId", "orderNumber", "createTime", "sellerSku", "itemName", "unitPrice", "status"]
    rows = [["11", "9001", "20 Nov 2026 19:01", "KB-101-GREY", "Carrier", "Rp 25.000", "delivered"],
            ["12", "9001", "20 Nov 2026 19:01", "KB-101-GREY", "Carrier", "Rp 25.000", "canceled"],
            ["13", "9001", "20 Nov 2026 19:01", "KB-101-GREY", "Carrier", "Rp 25.000", "delivered"],
            ["13", "9001", "20 Nov 2026 19:01", "KB-101-GREY", "Carrier", "Rp 25.000", "delivered"],  # repeated row
            ["21", "9002", "20 Nov 2026 19:02", "KB-101-GREY", "Carrier", "Rp 25.000", "returned"]]
    table = load(write_csv(tmp_path / "lazada.csv", header, rows), timezone="Asia/Jakarta")
    stats = table.stats
    assert stats.format == "lazada" and (stats.rows, stats.duplicates, stats.cancelled, stats.orders_used) == (5, 1, 1, 1)
    assert table.quantity.tolist() == [2] and table.amount.tolist() == [50000.0]
