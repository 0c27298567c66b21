from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from reelcart.config import OrdersConfig
from reelcart.errors import InputError
from reelcart.orders import load_orders

START = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
SKUS = {"A", "B"}


def load(path: Path, **kw):
    return load_orders(path, config=kw.pop("config", OrdersConfig()), known_skus=SKUS, duration_s=3600,
                       stream_start=kw.pop("stream_start", START), **kw)


def test_generic_csv_offsets_dedup_unknown_outside(tmp_path: Path):
    f = tmp_path / "orders.csv"
    f.write_text(
        "\ufefforder_id,timestamp,sku,quantity,amount\n"
        "1,2026-11-20T19:01:00+07:00,A,2,10.00\n"  # 60 s
        "1,2026-11-20T19:01:00+07:00,A,2,10.00\n"  # duplicate
        "2,2026-11-20T12:02:00Z,B,1,5\n"  # 120 s
        "3,2026-11-20T12:03:00Z,ZZZ,1,5\n"  # unknown sku
        "4,2026-11-20T10:00:00Z,A,1,5\n"  # before the stream
        "5,not a time,A,1,5\n"
    )
    table = load(f)
    assert table.t_s.tolist() == [60.0, 120.0]
    assert table.sku == ["A", "B"]
    s = table.stats
    assert (s.rows, s.orders_used, s.duplicates, s.outside_recording, s.unreadable) == (6, 2, 1, 1, 1)
    assert s.unknown_skus == {"ZZZ": 1}
    assert s.problems[0].line == 7 and "timestamp" in s.problems[0].problem


def test_semicolon_decimal_comma_and_seconds_from_start(tmp_path: Path):
    f = tmp_path / "orders.csv"
    f.write_text("timestamp;sku;quantity;amount\n12.5;A;1;\"9,99\"\n0:02:00;B;3;1.299,00\n")
    table = load(f, stream_start=None)
    assert table.t_s.tolist() == [12.5, 120.0]
    assert table.amount.tolist() == [9.99, 1299.0]
    assert table.quantity.tolist() == [1, 3]


def test_epoch_seconds_and_ms_jsonl(tmp_path: Path):
    f = tmp_path / "orders.jsonl"
    base = START.timestamp()
    f.write_text(f'{{"timestamp": {base + 30}, "sku": "A"}}\n{{"timestamp": {(base + 90) * 1000}, "sku": "B", "quantity": 2}}\n')
    table = load(f)
    assert np.allclose(table.t_s, [30, 90])


def test_json_array_and_naive_times_in_preset_zone(tmp_path: Path):
    f = tmp_path / "orders.json"
    f.write_text('[{"timestamp": "2026-11-20 19:00:45", "sku": "A"}]')
    table = load(f, config=OrdersConfig(timezone="Asia/Ho_Chi_Minh"))
    assert table.t_s.tolist() == [45.0]


def test_shopify_export(tmp_path: Path):
    f = tmp_path / "orders_export.csv"
    f.write_text(
        "Name,Email,Financial Status,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku\n"
        "#1001,a@x.com,paid,2026-11-20 19:05:00 +0700,2,Serum,24.90,A\n"
        "#1001,,,,1,Bottle,18.50,B\n"  # second line item of the same order: no time
        "#1002,b@x.com,refunded,2026-11-20 19:06:00 +0700,1,Serum,24.90,A\n"
    )
    table = load(f)
    assert table.stats.format == "shopify"
    assert table.t_s.tolist() == [300.0, 300.0]
    assert sorted(table.sku) == ["A", "B"]
    assert table.amount.tolist()[table.sku.index("A")] == pytest.approx(49.8)
    assert table.stats.cancelled == 1


def test_tiktok_export(tmp_path: Path):
    f = tmp_path / "tiktok.csv"
    f.write_text(
        "Order ID,Order Status,Seller SKU,Quantity,SKU Subtotal After Discount,Created Time\n"
        "577,Completed,A,1,24.90,11/20/2026 7:10:00 PM\n"
        "578,Canceled,A,1,24.90,11/20/2026 7:11:00 PM\n"
    )
    table = load(f, config=OrdersConfig(timezone="Asia/Bangkok"))
    assert table.stats.format == "tiktok"
    assert table.t_s.tolist() == [600.0]
    assert table.stats.cancelled == 1


def test_column_mapping(tmp_path: Path):
    f = tmp_path / "custom.csv"
    f.write_text("when,item code,n\n30,A,2\n")
    table = load(f, config=OrdersConfig(columns={"timestamp": "when", "sku": "item code", "quantity": "n"}))
    assert table.t_s.tolist() == [30.0] and table.quantity.tolist() == [2]


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "file is empty"),
        ("when,what\n1,2\n", "missing column(s) timestamp, sku"),
        ("timestamp,sku\n2026-11-20T19:00:00+07:00,A\n", "stream start is unknown"),
        ("timestamp,sku\nxx,A\nyy,B\n", "no readable order rows (line 2"),
    ],
)
def test_bad_logs_name_file_and_problem(tmp_path: Path, content: str, message: str):
    f = tmp_path / "orders.csv"
    f.write_text(content)
    with pytest.raises(InputError) as err:
        load(f, stream_start=None)
    assert str(err.value).startswith(str(f)) and message in str(err.value)


def test_negative_quantity_is_reported(tmp_path: Path):
    f = tmp_path / "orders.csv"
    f.write_text("timestamp,sku,quantity\n10,A,-3\n20,A,1\n")
    table = load(f)
    assert table.stats.unreadable == 1 and "not positive" in table.stats.problems[0].problem
