from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from reelcart.config import OrdersConfig
from reelcart.errors import InputError
from reelcart.inputs.orders import load_orders

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


# ---------------------------------------------------------------- messy exports


def test_excel_serial_dates_in_the_preset_zone(tmp_path: Path):
    # 46346.791666667 = 2026-11-20 19:00:00 (Excel's day count), shop clock in Asia/Bangkok (+07:00)
    f = tmp_path / "orders.csv"
    f.write_text("Order Number,Order Date,SKU,Qty\n1,46346.79166667,A,1\n2,46346.79236111,B,2\n")
    table = load(f, config=OrdersConfig(timezone="Asia/Bangkok"))
    assert np.allclose(table.t_s, [0.0, 60.0], atol=0.01)
    assert any("Excel serial" in n for n in table.stats.notes)


def test_excel_serial_without_stream_start_asks_for_it(tmp_path: Path):
    f = tmp_path / "orders.csv"
    f.write_text("timestamp,sku\n46346.79166667,A\n")
    with pytest.raises(InputError, match="stream start is unknown"):
        load(f, stream_start=None)


@pytest.mark.parametrize(
    "stamps, expected, note",
    [
        # a day above 12 first: day/month/year for the whole column (05/11 would be May 11 otherwise)
        (["20/11/2026 19:01:00", "20/11/2026 19:02:30"], [60.0, 150.0], "day/month/year"),
        # a day above 12 second: month/day/year, with AM/PM as TikTok and US Excel write it
        (["11/20/2026 7:01:00 PM", "11/20/2026 7:02:30 PM"], [60.0, 150.0], "month/day/year"),
        # German dotted dates
        (["20.11.2026 19:01:00", "20.11.2026 19:02:30"], [60.0, 150.0], "day/month/year"),
    ],
)
def test_excel_style_date_strings(tmp_path: Path, stamps, expected, note):
    f = tmp_path / "orders.csv"
    f.write_text("timestamp,sku\n" + "".join(f"{s},A\n" for s in stamps))
    table = load(f, config=OrdersConfig(timezone="Asia/Bangkok"))
    assert table.t_s.tolist() == expected
    assert any(note in n for n in table.stats.notes)


def test_ambiguous_dates_take_the_order_that_fits_the_recording(tmp_path: Path):
    # 05/12/2026 is 5 December or 12 May; the stream is on 5 December, so day/month/year it is
    start = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)
    f = tmp_path / "orders.csv"
    f.write_text("timestamp,sku\n05/12/2026 12:01:00,A\n05/12/2026 12:03:00,B\n")
    table = load(f, stream_start=start)
    assert table.t_s.tolist() == [60.0, 180.0]
    assert any("ambiguous" in n and "day/month/year" in n for n in table.stats.notes)


def test_mixed_utc_offsets_in_one_log(tmp_path: Path):
    f = tmp_path / "orders.jsonl"
    f.write_text(
        '{"timestamp": "2026-11-20T19:01:00+07:00", "sku": "A"}\n'
        '{"timestamp": "2026-11-20T12:02:00Z", "sku": "A"}\n'
        '{"timestamp": "2026-11-20T07:03:00-05:00", "sku": "B"}\n'
        '{"timestamp": "2026-11-20T17:34:00+05:30", "sku": "B"}\n'
    )
    assert load(f).t_s.tolist() == [60.0, 120.0, 180.0, 240.0]


def test_bom_semicolons_quotes_and_decimal_commas(tmp_path: Path):
    f = tmp_path / "orders.csv"
    f.write_bytes(
        "\ufefforder_id;timestamp;sku;quantity;amount\n"
        '"7;1";"12,5";A;"2";"1.299,50"\n'
        '8;"0:01:00";B;1;"19,99 €"\n'.encode("utf-8")
    )
    table = load(f, stream_start=None)
    assert table.t_s.tolist() == [12.5, 60.0]
    assert table.amount.tolist() == [1299.5, 19.99]
    assert table.quantity.tolist() == [2, 1]


def test_excel_sep_line_and_utf16_tab_export(tmp_path: Path):
    f = tmp_path / "sep.csv"
    f.write_text("sep=;\ntimestamp;sku\n10;A\nbad;B\n")
    table = load(f, stream_start=None)
    assert table.t_s.tolist() == [10.0]
    assert table.stats.problems[0].line == 4  # counted from the top of the file, hint line included
    g = tmp_path / "unicode.txt"
    g.write_bytes("timestamp\tsku\tquantity\n20\tB\t3\n".encode("utf-16"))
    assert load(g, stream_start=None).quantity.tolist() == [3]


def test_xlsx_workbook_with_date_cells(tmp_path: Path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Order ID", "Created Time", "Seller SKU", "Quantity"])
    sheet.append(["1", datetime(2026, 11, 20, 19, 1, 0), "A", 2])
    sheet.append(["2", datetime(2026, 11, 20, 19, 2, 0), "B", 1])
    sheet.append([None, None, None, None])
    sheet.append(["3", "not a date", "A", 1])
    f = tmp_path / "orders.xlsx"
    book.save(f)
    table = load(f, config=OrdersConfig(timezone="Asia/Bangkok"))
    assert table.t_s.tolist() == [60.0, 120.0]
    assert table.quantity.tolist() == [2, 1]
    assert table.stats.problems[0].line == 5  # the sheet's row number


def test_unreadable_rows_name_their_line_after_multiline_fields(tmp_path: Path):
    f = tmp_path / "orders.csv"
    f.write_text('timestamp,sku,note\n10,A,"a note\nover two lines"\nsoon,A,x\n30,A,"ok"\n40,A,x\n50,,x\n')
    table = load(f, stream_start=None)
    assert [p.line for p in table.stats.problems] == [4, 7]
    assert "unreadable timestamp 'soon'" in table.stats.problems[0].problem
    assert table.stats.problems[1].problem == "empty sku"
    assert table.t_s.tolist() == [10.0, 30.0, 40.0]
    assert any("2 rows could not be read (first: line 4" in n for n in table.stats.notes)


def test_tiktok_description_row_and_cancel_columns(tmp_path: Path):
    f = tmp_path / "tiktok.csv"
    f.write_text(
        "Order ID,Order Status,Cancelation/Return Type,Seller SKU,Quantity,SKU Subtotal After Discount,Created Time\n"
        "Platform unique order ID.,Order status.,Cancel or return.,Seller SKU.,Quantity.,Subtotal.,Time the order was created.\n"
        "577,Completed,,A,1,24.90,11/20/2026 7:10:00 PM\n"
        "578,Completed,Return/Refund,A,1,24.90,11/20/2026 7:11:00 PM\n"
    )
    table = load(f, config=OrdersConfig(timezone="Asia/Bangkok"))
    assert table.stats.rows == 2 and table.stats.unreadable == 0
    assert table.t_s.tolist() == [600.0] and table.stats.cancelled == 1


def test_shopify_line_items_inherit_order_fields(tmp_path: Path):
    f = tmp_path / "orders_export.csv"
    f.write_text(
        "Name,Financial Status,Created at,Subtotal,Total,Lineitem quantity,Lineitem price,Lineitem sku,Cancelled at\n"
        "#1,paid,2026-11-20 19:05:00 +0700,99.00,99.00,1,20.00,A,\n"
        "#1,,,,,2,5.00,B,\n"
        "#2,paid,2026-11-20 19:06:00 +0700,30.00,30.00,1,30.00,A,2026-11-20 19:20:00 +0700\n"
        "#2,,,,,1,9.00,B,\n"  # a line item of the cancelled order
        "#3,partially_refunded,2026-11-20 19:07:00 +0700,10.00,10.00,1,10.00,B,\n"
    )
    table = load(f)
    assert table.stats.cancelled == 2
    assert list(zip(table.t_s.tolist(), table.sku, table.amount.tolist())) == [(300.0, "A", 20.0), (300.0, "B", 10.0), (420.0, "B", 10.0)]


def test_counts_and_notes_for_what_was_left_out(tmp_path: Path):
    f = tmp_path / "orders.csv"
    rows = ["timestamp,sku"] + [f"2026-11-20T{10 + i // 60:02d}:{i % 60:02d}:00Z,A" for i in range(0, 10)]
    rows += ["2026-11-20T12:05:00Z,A", "2026-11-20T12:06:00Z,GHOST", "2026-11-20T12:07:00Z,GHOST"]
    f.write_text("\n".join(rows) + "\n")
    table = load(f)
    s = table.stats
    assert (s.orders_used, s.outside_recording, s.unknown_skus) == (1, 10, {"GHOST": 2})
    notes = " | ".join(s.notes)
    assert "10 orders fall outside the recording" in notes and "if unexpected, check --stream-start" in notes
    assert "2 orders name SKUs that are not in the catalog: GHOST (2)" in notes


def test_product_name_rescues_rows_without_sku(tmp_path: Path):
    f = tmp_path / "orders.csv"
    f.write_text("timestamp,sku,product name\n10,,Velvet  Glow Serum\n20,,Unknown Thing\n")
    table = load_orders(f, config=OrdersConfig(), known_skus={"A"}, duration_s=100, stream_start=None,
                        product_names={"velvet glow serum": "A"})
    assert table.sku == ["A"] and table.stats.problems[0].line == 3


def test_forced_time_format_and_generic_name_column(tmp_path: Path):
    f = tmp_path / "orders.csv"
    # "name" is the product here, not an order id: both rows count
    f.write_text("t,sku,name\n150000000,A,Serum\n60,A,Serum\n")
    table = load(f, stream_start=None, config=OrdersConfig(time_format="stream_s", columns={"timestamp": "t"}))
    assert table.stats.duplicates == 0 and table.stats.outside_recording == 1 and table.stats.orders_used == 1


def test_unknown_time_zone_is_a_config_error(tmp_path: Path):
    from reelcart.errors import ConfigError

    f = tmp_path / "orders.csv"
    f.write_text("timestamp,sku\n10,A\n")
    with pytest.raises(ConfigError, match="Mars/Olympus"):
        load(f, config=OrdersConfig(timezone="Mars/Olympus"))


def test_a_duplicate_counts_once_whatever_its_first_copy_became(tmp_path: Path):
    """Duplicates are found after reading (on hashes); later copies of rows that were outside the
    recording, of unknown SKUs or unreadable are taken back and counted as duplicates only."""
    f = tmp_path / "orders.csv"
    f.write_text(
        "order_id,timestamp,sku,quantity\n"
        "1,10,A,1\n"
        "2,9999,A,1\n"  # outside
        "3,20,ZZZ,1\n"  # unknown SKU
        "4,30,A,lots\n"  # unreadable quantity
        "1,10,A,1\n" "2,9999,A,1\n" "3,20,ZZZ,1\n" "4,30,A,lots\n"  # the same four again
        "1,11,B,1\n"  # same order, other SKU: a line item, not a duplicate
    )
    table = load(f, stream_start=None)
    s = table.stats
    assert (table.t_s.tolist(), table.sku) == ([10.0, 11.0], ["A", "B"])
    assert (s.rows, s.duplicates, s.outside_recording, s.unreadable, s.orders_used) == (9, 4, 1, 1, 2)
    assert s.unknown_skus == {"ZZZ": 1} and [p.line for p in s.problems] == [5]
    assert "1 orders name SKUs that are not in the catalog: ZZZ (1)" in " | ".join(s.notes)


def test_rows_stream_from_disk_in_any_encoding(tmp_path: Path):
    """cp1252 bytes past the sniffing window, a JSON-lines file without its suffix, and a CSV far
    larger than the read chunk all read row by row."""
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"timestamp,sku,product name\n" + b"10,A,plain\n" * 20_000 + b"20,B,Cr\xe8me br\xfbl\xe9e\n")
    table = load(latin, stream_start=None)
    assert len(table) == 20_001 and table.sku[-1] == "B"
    lines = tmp_path / "orders.txt"
    lines.write_text('{"timestamp": 10, "sku": "A"}\n{"timestamp": 20, "sku": "B"}\n')
    assert load(lines, stream_start=None).sku == ["A", "B"]
    single = tmp_path / "one.log"
    single.write_text('{"timestamp": 10, "sku": "A"}')
    assert load(single, stream_start=None).sku == ["A"]


def test_order_table_keeps_sku_codes_not_strings(tmp_path: Path):
    f = tmp_path / "orders.csv"
    f.write_text("timestamp,sku\n30,B\n10,A\n20,B\n")
    table = load(f, stream_start=None)
    assert table.skus == ["A", "B"] and table.sku_code.dtype == np.int32
    assert table.sku_code.tolist() == [0, 1, 1] and table.t_s.tolist() == [10.0, 20.0, 30.0]
    assert table.mask("B").tolist() == [False, True, True] and not table.mask("nope").any()
