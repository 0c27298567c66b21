"""Scenario families for the platform exports and variant catalogs (registered in bench/scenarios.py).

Each family is an ordinary session (the generator's default behaviour) whose order log is written
the way one platform exports it, with variant SKUs, ids or names where the catalog lists products:
``export_shopify`` (variant SKUs and ``Product - Option`` names, continuation rows), ``export_tiktok``
(shop-local times with no offset and no configured zone, SKU ids from the catalog's variants column,
orders from videos beside the live), ``export_shopee`` (xlsx, Vietnamese headers, times to the
minute, dot thousands), ``export_lazada`` (one row per unit), ``export_douyin`` (tab-wrapped cells,
product ids, live channel), ``export_taobao`` (two GBK files), ``export_woocommerce`` and
``variants_column`` (a generic log naming only platform variant ids).
"""

from __future__ import annotations

import csv
import random
import zlib
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

EXPORT_FAMILIES = ("export_shopify", "export_tiktok", "export_shopee", "export_lazada", "export_douyin", "export_taobao",
                   "export_woocommerce", "variants_column")
EXPORT_FORMATS = tuple(f.replace("export_", "") for f in EXPORT_FAMILIES)
STREAM_START = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
LOCAL = timezone(timedelta(hours=7))
COLORS = ("ROSE", "SAGE", "NAVY")
TAOBAO_DETAIL = "ExportOrderDetailList.csv"


def variant(row: dict, k: int) -> tuple[str, str, str]:
    """(variant SKU, variant name, platform SKU id) of an order row."""
    color = COLORS[k % len(COLORS)]
    sku_id = zlib.crc32(f"{row['sku']}/{color}".encode())
    return f"{row['sku']}-{color}", f"{color.title()} / M", f"17{sku_id:017d}"


def dress_export(scenario):  # noqa: ANN001, ANN201 - a bench.scenarios.Scenario
    """The scenario with its order format and catalog set for an export family (others unchanged)."""
    if scenario.family not in EXPORT_FAMILIES:
        return scenario
    rows = []
    for product in scenario.catalog_rows:
        ids = [variant(product, k)[2] for k in range(len(COLORS))]
        rows.append({**product, "variants": "|".join(ids), "product_ids": f"36{zlib.crc32(product['sku'].encode()):016d}"})
    extra = []
    if scenario.family in ("export_tiktok", "export_douyin"):  # orders from videos and product cards beside the live
        rng = random.Random(f"{scenario.family}-{scenario.seed}-channels")
        for n in range(len(scenario.orders) // 5):
            pick = dict(rng.choice(scenario.orders))
            extra.append({**pick, "t_s": rng.uniform(0, scenario.duration_s), "order_id": f"#9{n:05d}", "live": False})
    orders = sorted(scenario.orders + extra, key=lambda r: r["t_s"])
    return replace(scenario, catalog_rows=rows, orders=orders, order_format=scenario.family.replace("export_", ""),
                   preset={})


def _local(scenario, r: dict) -> datetime:  # noqa: ANN001
    return (STREAM_START + timedelta(seconds=r["t_s"] + scenario.clock_error_s)).astimezone(LOCAL)


def _names(scenario) -> dict[str, str]:  # noqa: ANN001
    return {row["sku"]: row["name"] for row in scenario.catalog_rows}


def _write(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8", **kw) -> Path:
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh, **kw)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _shopify(scenario, folder: Path) -> Path:  # noqa: ANN001
    names, rows = _names(scenario), []
    for k, r in enumerate(scenario.orders):
        sku, option, _ = variant(r, k)
        created = _local(scenario, r).strftime("%Y-%m-%d %H:%M:%S %z")
        status = "refunded" if r["status"] == "refunded" else "paid"
        name = f"{names[r['sku']]} - {option}"
        rows.append([r["order_id"], status, created, str(r["quantity"]), name, f"{r['price']:.2f}", "" if k % 4 == 1 else sku,
                     created if status == "refunded" else ""])
        if k % 9 == 4:  # a continuation row: a second line item, order fields left empty
            rows.append([r["order_id"], "", created, "1", "Gift wrap", "1.00", "WRAP-1", ""])
    return _write(folder / "orders_export_1.csv", ["Name", "Financial Status", "Created at", "Lineitem quantity",
                                                  "Lineitem name", "Lineitem price", "Lineitem sku", "Cancelled at"], rows)


def _tiktok(scenario, folder: Path) -> Path:  # noqa: ANN001
    names, rows = _names(scenario), []
    for k, r in enumerate(scenario.orders):
        _, option, sku_id = variant(r, k)
        created = _local(scenario, r).strftime("%d/%m/%Y %H:%M:%S") + "\t"
        status = "Đã hủy" if r["status"] == "refunded" else "Đã giao"
        channel = "LIVE" if r.get("live", True) else ("Videos", "Product cards")[k % 2]
        rows.append([f"57{10**15 + k}\t", status, sku_id + "\t", "", names[r["sku"]], option, str(r["quantity"]),
                     f"₫{round(r['price'] * 25) * 1000:,}".replace(",", "."), created, channel])
    header = ["Order ID", "Order Status", "SKU ID", "Seller SKU", "Product Name", "Variation", "Quantity",
              "SKU Subtotal After Discount", "Created Time", "Order Channel"]
    return _write(folder / "tiktok_orders.csv", header, [[f"{h}." for h in header], *rows])


def _shopee(scenario, folder: Path) -> Path:  # noqa: ANN001
    import openpyxl

    names, book = _names(scenario), openpyxl.Workbook()
    book.active.append(["Mã đơn hàng", "Ngày đặt hàng", "Trạng Thái Đơn Hàng", "SKU sản phẩm", "Tên sản phẩm",
                        "SKU phân loại hàng", "Tên phân loại hàng", "Giá ưu đãi", "Số lượng"])
    for k, r in enumerate(scenario.orders):
        sku, option, _ = variant(r, k)
        book.active.append([f"2611{k:06d}VN", _local(scenario, r).strftime("%Y-%m-%d %H:%M"),
                            "Đã hủy" if r["status"] == "refunded" else "Hoàn thành", r["sku"], names[r["sku"]], sku, option,
                            f"{round(r['price'] * 25) * 1000:,}".replace(",", "."), str(r["quantity"])])
    path = folder / "shopee_orders.xlsx"
    book.save(path)
    return path


def _lazada(scenario, folder: Path) -> Path:  # noqa: ANN001
    names, rows = _names(scenario), []
    for k, r in enumerate(scenario.orders):
        sku, option, _ = variant(r, k)
        for unit in range(r["quantity"]):
            rows.append([f"{k:08d}{unit:02d}", f"30{k:08d}", _local(scenario, r).strftime("%d %b %Y %H:%M"), sku,
                         names[r["sku"]], option, f"Rp {round(r['price'] * 16) * 1000:,}".replace(",", "."),
                         "canceled" if r["status"] == "refunded" else "delivered"])
    return _write(folder / "lazada_orders.csv", ["orderItemId", "orderNumber", "createTime", "sellerSku", "itemName",
                                                "variation", "unitPrice", "status"], rows)


def _douyin(scenario, folder: Path) -> Path:  # noqa: ANN001
    names, ids, rows = _names(scenario), {r["sku"]: r["product_ids"] for r in scenario.catalog_rows}, []
    for k, r in enumerate(scenario.orders):
        sku, option, _ = variant(r, k)
        cells = [f"69{10**16 + k}", f"【直播专享】{names[r['sku']]}", option, str(r["quantity"]), ids[r["sku"]], "-" if k % 3 == 0 else sku,
                 f"{r['price']:.2f}", _local(scenario, r).astimezone(timezone(timedelta(hours=8))).strftime("%Y/%m/%d %H:%M:%S"),
                 "已关闭" if r["status"] == "refunded" else "已完成", "-", "直播" if r.get("live", True) else "短视频"]
        rows.append([f"\t{c}\t" for c in cells])
    return _write(folder / "douyin_orders.csv", ["主订单编号", "选购商品", "商品规格", "商品数量", "商品ID", "商家编码", "商品金额",
                                                "订单提交时间", "订单状态", "售后状态", "流量体裁"], rows,
                  encoding="utf-8-sig", quoting=csv.QUOTE_ALL)


def _taobao(scenario, folder: Path) -> Path:  # noqa: ANN001
    names, listing, detail = _names(scenario), [], []
    for k, r in enumerate(scenario.orders):
        sku, option, _ = variant(r, k)
        order_id = f'="38{10**16 + k}"'
        status = "交易关闭" if r["status"] == "refunded" else "交易成功"
        local = _local(scenario, r).astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")
        listing.append([order_id, status, local, names[r["sku"]], str(r["quantity"])])
        detail.append([order_id, names[r["sku"]], f"{r['price']:.2f}", str(r["quantity"]), option, status, sku])
    _write(folder / TAOBAO_DETAIL, ["订单编号", "标题", "价格", "购买数量", "商品属性", "订单状态", "商家编码"], detail, "gbk")
    return _write(folder / "ExportOrderList.csv", ["订单编号", "订单状态", "订单创建时间", "宝贝标题", "宝贝总数量"], listing, "gbk")


def _woocommerce(scenario, folder: Path) -> Path:  # noqa: ANN001
    names, rows = _names(scenario), []
    for k, r in enumerate(scenario.orders):
        sku, option, _ = variant(r, k)
        color = option.split(" / ")[0]
        rows.append([r["order_id"].lstrip("#"), "Refunded" if r["status"] == "refunded" else "Completed",
                     _local(scenario, r).strftime("%Y-%m-%d %H:%M:%S"), "" if k % 3 == 0 else sku,
                     f"{names[r['sku']]} - {color}", f"Color: {color}", str(r["quantity"]), f"{r['price']:.2f}"])
    return _write(folder / "woocommerce_orders.csv", ["Order Number", "Order Status", "Order Date", "SKU", "Name",
                                                     "Product Variation", "Quantity", "Item Cost"], rows)


def _variants_column(scenario, folder: Path) -> Path:  # noqa: ANN001
    rows = [[r["order_id"], _local(scenario, r).isoformat(), variant(r, k)[2], str(r["quantity"]), r["status"]]
            for k, r in enumerate(scenario.orders)]
    return _write(folder / "orders.csv", ["order_id", "timestamp", "sku", "quantity", "status"], rows)


WRITERS = {"shopify": _shopify, "tiktok": _tiktok, "shopee": _shopee, "lazada": _lazada, "douyin": _douyin,
           "taobao": _taobao, "woocommerce": _woocommerce, "variants_column": _variants_column}


def write_export(scenario, folder: Path) -> tuple[Path, dict]:  # noqa: ANN001
    """The order log as the platform writes it; no orders options (the zone is inferred where times are naive)."""
    return WRITERS[scenario.order_format](scenario, folder), {}


def more_order_files(orders_path: Path) -> list[Path]:
    """The second file of a two-file export (Taobao's ExportOrderDetailList beside its ExportOrderList)."""
    detail = orders_path.with_name(TAOBAO_DETAIL)
    return [detail] if orders_path.name == "ExportOrderList.csv" and detail.is_file() else []
