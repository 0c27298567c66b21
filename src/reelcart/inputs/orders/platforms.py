"""Native readers, recognised from the headers: Shopify, TikTok Shop, Shopee, Lazada, Douyin (抖店),
Taobao/Tmall (``ExportOrderList`` + ``ExportOrderDetailList``) and WooCommerce; anything else is
read by the generic columns (or the preset's ``orders.columns``).

Each platform is a :class:`Spec` (its columns, status words, channel column); a few need more than
a row at a time, and wrap the row reader: Shopify forward-fills an order's status into its later
line items, Lazada writes one row per unit (the units of an order and SKU are counted), Taobao
splits orders and their items over two files joined on 订单编号.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path

from ...config import OrdersConfig
from ...errors import InputError
from ..tabular import read_rows
from .records import GENERIC, Record, RowReader, Spec, resolve_columns

ORDER_CONTEXT_SIZE = 4096  # recent orders whose later line items may leave order fields empty (Shopify)


def _spec(name: str, signatures: list[set[str]], fields: dict[str, tuple[str, ...] | str], **kw) -> Spec:
    return Spec(name=name, signatures=tuple(frozenset(s) for s in signatures),
                fields={k: (v,) if isinstance(v, str) else v for k, v in fields.items()}, **kw)


SHOPIFY = _spec(
    "shopify", [{"name", "created at", "lineitem quantity"}],
    {"timestamp": "created at", "order_id": "name", "sku": "lineitem sku", "product_name": "lineitem name",
     "quantity": "lineitem quantity", "unit_price": "lineitem price", "status": "financial status"},
    status=("financial status",), markers=("cancelled at", "canceled at"),
)
TIKTOK = _spec(
    "tiktok", [{"order id", "created time", "seller sku"}, {"order id", "created time", "sku id"},
               {"created time", "seller sku"}],
    {"timestamp": "created time", "order_id": "order id", "sku": "seller sku", "sku_id": "sku id",
     "product_id": "product id", "product_name": "product name", "variation": "variation", "quantity": "quantity",
     "amount": "sku subtotal after discount", "unit_price": "sku unit original price", "status": "order status",
     "channel": "order channel"},
    status=("order status", "order substatus"),
    markers=("cancelation/return type", "cancellation/return type", "cancelled time", "cancel by", "cancel reason"),
    live_values=frozenset({"live", "livestream", "live stream"}), description_row=True,
)
SHOPEE = _spec(
    "shopee",
    [{"mã đơn hàng", "ngày đặt hàng"}, {"order id", "order creation date"}, {"no. pesanan", "waktu pesanan dibuat"},
     {"หมายเลขคำสั่งซื้อ", "วันที่ทำการสั่งซื้อ"}],
    {"timestamp": ("ngày đặt hàng", "order creation date", "waktu pesanan dibuat", "วันที่ทำการสั่งซื้อ"),
     "order_id": ("mã đơn hàng", "order id", "no. pesanan", "หมายเลขคำสั่งซื้อ"),
     "sku": ("sku phân loại hàng", "sku reference no.", "nomor referensi sku", "เลขอ้างอิง sku (sku reference no.)"),
     "parent_sku": ("sku sản phẩm", "parent sku reference no.", "sku induk", "เลขอ้างอิง parent sku"),
     "product_name": ("tên sản phẩm", "product name", "nama produk", "ชื่อสินค้า"),
     "variation": ("tên phân loại hàng", "variation name", "nama variasi", "ชื่อตัวเลือก"),
     "quantity": ("số lượng", "quantity", "jumlah", "จำนวน"),
     "amount": ("tổng giá bán (sản phẩm)", "product subtotal", "total harga produk"),
     "unit_price": ("giá ưu đãi", "deal price", "harga setelah diskon", "ราคาขาย"),
     "status": ("trạng thái đơn hàng", "order status", "status pesanan", "สถานะการสั่งซื้อ")},
    status=("trạng thái đơn hàng", "order status", "status pesanan", "สถานะการสั่งซื้อ", "trạng thái trả hàng/hoàn tiền",
            "return / refund status", "status pembatalan/ pengembalian"),
    markers=("lý do hủy", "cancel reason", "alasan pembatalan"),
)
LAZADA = _spec(
    "lazada", [{"ordernumber", "createtime", "orderitemid"}],
    {"timestamp": "createtime", "order_id": "ordernumber", "item": "orderitemid", "sku": "sellersku",
     "sku_id": ("lazadasku", "shopsku"), "product_name": "itemname", "variation": "variation",
     "unit_price": ("unitprice", "paidprice"), "status": "status"},
    status=("status",),
)
DOUYIN = _spec(
    "douyin", [{"主订单编号", "订单提交时间"}],
    {"timestamp": ("订单提交时间", "支付完成时间"), "order_id": "主订单编号", "item": "子订单编号", "sku": "商家编码",
     "product_id": "商品id", "product_name": "选购商品", "variation": "商品规格", "quantity": "商品数量",
     "unit_price": ("商品单价", "商品金额"), "status": "订单状态", "channel": "流量体裁"},
    status=("订单状态", "售后状态"), markers=("取消原因",), live_values=frozenset({"直播"}), empty=frozenset({"-", "--"}),
)
TAOBAO_LIST = _spec(
    "taobao", [{"订单编号", "订单创建时间"}],
    {"timestamp": ("订单创建时间", "订单付款时间"), "order_id": "订单编号", "product_name": "宝贝标题",
     "quantity": "宝贝总数量", "amount": ("买家实际支付金额", "总金额"), "status": "订单状态"},
    status=("订单状态",), markers=("订单关闭原因",),
)
TAOBAO_DETAIL = _spec(
    "taobao detail", [{"订单编号", "购买数量"}],
    {"order_id": "订单编号", "sku": ("商家编码", "外部系统编号"), "product_name": "标题", "variation": "商品属性",
     "quantity": "购买数量", "unit_price": "价格", "status": "订单状态"},
    status=("订单状态",), required=("order_id",),
)
WOOCOMMERCE = _spec(
    "woocommerce", [{"order number", "order status", "order date"}, {"order id", "order status", "order date"}],
    {"timestamp": ("order date", "date created", "order created"), "order_id": ("order number", "order id"),
     "item": ("item #", "item id", "line item id"), "sku": ("sku", "item sku", "product sku"),
     "product_name": ("name", "item name", "product name"), "variation": ("product variation", "variation"),
     "product_id": ("product id",), "quantity": ("quantity", "qty", "item quantity"),
     "unit_price": ("item cost", "item price"), "amount": ("item total", "line total", "order line total"),
     "status": "order status"},
    status=("order status",),
)
PLATFORMS: tuple[Spec, ...] = (SHOPIFY, TIKTOK, SHOPEE, LAZADA, DOUYIN, TAOBAO_LIST, TAOBAO_DETAIL, WOOCOMMERCE)


def detect_format(columns: set[str]) -> Spec:
    return next((spec for spec in PLATFORMS if spec.recognises(columns)), GENERIC)


def _header(path: Path) -> tuple[set[str], bool]:
    for _, row in read_rows(path):
        return set(row), True
    return set(), False


def _rows(path: Path):  # noqa: ANN202 - an iterator of (line, row)
    return read_rows(path)


def _forward_fill(records: Iterator[Record]) -> Iterator[Record]:
    """Shopify: later line items of an order leave its status empty: they take the order's first row's."""
    context: OrderedDict[str, bool] = OrderedDict()
    for record in records:
        key = record.order_id
        if key is not None and key in context and not record.cancelled:
            record.cancelled = context[key]
        elif key is not None:
            context[key] = record.cancelled
            if len(context) > ORDER_CONTEXT_SIZE:
                context.popitem(last=False)
        yield record


def _count_units(records: Iterator[Record]) -> Iterator[Record]:
    """Lazada: one row per unit. The rows of one order and SKU become one record whose quantity is
    the number of its distinct order items that were not cancelled (a repeated item is a duplicate
    row); it is cancelled only when every unit was."""
    merged: dict[tuple[str | None, str], tuple[Record, set[str], set[str]]] = {}
    for record in records:
        key = (record.order_id, record.sku or record.sku_id or record.name)
        if key not in merged:
            merged[key] = (record, set(), set())
        else:
            merged[key][0].rows += 1
        first, items, live = merged[key]
        if record.item in items:
            first.duplicates += 1
            continue
        items.add(record.item)
        if not record.cancelled:
            live.add(record.item)
    for first, items, live in merged.values():
        first.cancelled = not live
        first.quantity = str(len(live or items))
        first.item = ""
        yield first


def _taobao_join(list_path: Path, detail_path: Path, config: OrdersConfig) -> Iterator[Record]:
    """Taobao/Tmall: order times and statuses from ExportOrderList, items from ExportOrderDetailList."""
    orders: dict[str, tuple[str, bool]] = {}
    present, _ = _header(list_path)
    reader = RowReader(TAOBAO_LIST, resolve_columns(TAOBAO_LIST, present, config, list_path), present)
    for record in reader.records(_rows(list_path)):
        if record.order_id:
            orders[record.order_id] = (record.stamp, record.cancelled)
    present, _ = _header(detail_path)
    reader = RowReader(TAOBAO_DETAIL, resolve_columns(TAOBAO_DETAIL, present, config, detail_path), present)
    for record in reader.records(_rows(detail_path)):
        stamp, cancelled = orders.get(record.order_id or "", ("", False))
        if not stamp:
            raise InputError(f"line {record.line}: order {record.order_id} is not in {list_path.name} "
                             "(give the ExportOrderList of the same export)", path=detail_path)
        record.stamp = stamp
        record.cancelled = record.cancelled or cancelled
        yield record


Source = Callable[[], Iterator[Record]]


def open_orders(paths: list[Path], config: OrdersConfig) -> tuple[str, Source]:
    """The export's format and a function that reads its records afresh each time it is called."""
    specs = []
    for path in paths:
        present, any_rows = _header(path)
        if not any_rows:
            raise InputError("order log has no rows", path=path)
        specs.append((path, present, detect_format(present)))
    names = [spec.name for _, _, spec in specs]
    if "taobao detail" in names:
        if names.count("taobao") != 1 or len(names) != 2:
            raise InputError("a Taobao ExportOrderDetailList holds no order times: give its ExportOrderList too "
                             "(--orders twice)", path=specs[names.index("taobao detail")][0])
        list_path = specs[names.index("taobao")][0]
        detail_path = specs[names.index("taobao detail")][0]
        return "taobao", lambda: _taobao_join(list_path, detail_path, config)

    def source() -> Iterator[Record]:
        for path, present, spec in specs:
            reader = RowReader(spec, resolve_columns(spec, present, config, path), present)
            records = reader.records(_rows(path))
            if spec is SHOPIFY:
                records = _forward_fill(records)
            elif spec is LAZADA:
                records = _count_units(records)
            yield from records

    for path, present, spec in specs:  # a missing column is reported before any row is read
        resolve_columns(spec, present, config, path)
    return "+".join(dict.fromkeys(names)), source
