"""Shopee (Vietnamese and English xlsx), Lazada, Douyin and Taobao/Tmall exports of the sample sales."""

from __future__ import annotations

import csv
from pathlib import Path

from make_exports import VARIANTS, NAMES, Sale, buyer, digits, dots, extras, long_id, unique_items, write_csv, write_xlsx

REELS = ["SKU-GLOW-30", "SKU-BAMBOO-750", "SKU-CLOUD-BLK"]
VND = 25000  # the sample's USD prices in dong / rupiah, rounded to a thousand


def local_money(value: float) -> int:
    return round(value * VND / 1000) * 1000


SHOPEE_VI = ["Mã đơn hàng", "Mã Kiện Hàng", "Ngày đặt hàng", "Trạng Thái Đơn Hàng", "Lý do hủy", "Nhận xét từ Người mua",
             "Mã vận đơn", "Đơn Vị Vận Chuyển", "Phương thức giao hàng", "Loại đơn hàng", "Ngày giao hàng dự kiến",
             "Ngày gửi hàng", "Thời gian giao hàng", "Trạng thái Trả hàng/Hoàn tiền", "SKU sản phẩm", "Tên sản phẩm",
             "Cân nặng sản phẩm", "Tổng cân nặng", "SKU phân loại hàng", "Tên phân loại hàng", "Giá gốc", "Người bán trợ giá",
             "Được Shopee trợ giá", "Giá ưu đãi", "Số lượng", "Số lượng sản phẩm được hoàn trả", "Tổng giá bán (sản phẩm)",
             "Tổng giá trị đơn hàng (VND)", "Người Mua", "Tên Người nhận", "Số điện thoại", "Tỉnh/Thành phố",
             "TP / Quận / Huyện", "Quận", "Địa chỉ nhận hàng", "Quốc gia", "Ghi chú"]
SHOPEE_EN = ["Order ID", "Package ID", "Order Creation Date", "Order Status", "Cancel reason", "Return / Refund Status",
             "Tracking Number*", "Shipping Option", "Shipment Method", "Estimated Ship Out Date", "Ship Time",
             "Order Paid Time", "Parent SKU Reference No.", "Product Name", "SKU Reference No.", "Variation Name",
             "Original Price", "Deal Price", "Quantity", "Returned quantity", "Product Subtotal", "Total Discount",
             "Order Total Amount", "Username (Buyer)", "Receiver Name", "Phone Number", "Delivery Address", "Town",
             "District", "City", "Province", "Country", "Zip Code", "Remark from buyer", "Order Complete Time", "Note"]


def _shopee(language: str, sales: list[Sale], folder: Path) -> dict:
    header = SHOPEE_VI if language == "vi" else SHOPEE_EN
    ok, cancelled = ("Hoàn thành", "Đã hủy") if language == "vi" else ("Completed", "Cancelled")
    rows, items = [], []
    for sale in extras(sales):
        created = sale.local(7).strftime("%Y-%m-%d %H:%M")
        unit = local_money(sale.amount / sale.quantity)
        order_id = "2611" + digits(sale.order_id)[-6:].rjust(6, "0") + ("CX" if sale.cancelled else "") + "VN8K"
        variant_sku = "" if language == "en" and sale.index % 4 == 3 else sale.variant_sku
        values = {
            "order": order_id, "created": created, "status": cancelled if sale.cancelled else ok,
            "reason": "Người mua đổi ý" if sale.cancelled and language == "vi" else ("Change of mind" if sale.cancelled else ""),
            "parent": sale.sku, "name": NAMES[sale.sku], "variant_sku": variant_sku, "variation": sale.variant_name,
            "price": dots(unit), "quantity": str(sale.quantity), "subtotal": dots(unit * sale.quantity),
        }
        if language == "vi":
            row = [values["order"], "", values["created"], values["status"], values["reason"], "", "SPXVN0000000000",
                   "SPX Express", "Nhanh", "", "", "", "", "", values["parent"], values["name"], "200 gr", "200 gr",
                   values["variant_sku"], values["variation"], values["price"], "0", "0", values["price"],
                   values["quantity"], "0", values["subtotal"], values["subtotal"], buyer(sale).lower().replace(" ", ""),
                   buyer(sale), "84*******00", "TP. Test", "Quận Test", "Phường Test", "1 Example Street", "VN", ""]
        else:
            row = [values["order"], "", values["created"], values["status"], values["reason"], "", "SPXID000000000", "Regular",
                   "Pickup", "", "", values["created"], values["parent"], values["name"], values["variant_sku"],
                   values["variation"], values["price"], values["price"], values["quantity"], "0", values["subtotal"], "0",
                   values["subtotal"], buyer(sale).lower().replace(" ", ""), buyer(sale), "62*******00", "1 Example Street",
                   "Test", "Test", "Test City", "Test Province", "ID", "00000", "", "", ""]
        rows.append(row)
        items.append((order_id, sale.variant_sku, sale.cancelled, True))
    name = f"shopee_{language}.xlsx"
    write_xlsx(folder / name, header, rows)
    # times are written to the minute: the last minute's orders are spread over 19:03-19:04, one lands after the end
    return {"files": [name], "format": "shopee", "rows": len(rows), "orders_used": unique_items(items) - 1, "reels": REELS,
            "options": [], "inferred": "UTC+07:00", "outside": 1}


LAZADA = ["orderItemId", "orderType", "Guarantee", "deliveryType", "lazadaId", "sellerSku", "lazadaSku", "wareHouse",
          "createTime", "updateTime", "rtsSla", "ttsSla", "orderNumber", "invoiceRequired", "invoiceNumber", "deliveredDate",
          "customerName", "customerEmail", "shippingName", "shippingAddress", "shippingAddress2", "shippingPhone",
          "shippingCity", "shippingPostCode", "shippingCountry", "billingName", "payMethod", "paidPrice", "unitPrice",
          "sellerDiscountTotal", "shippingFee", "walletCredit", "itemName", "variation", "cdShippingProvider",
          "shippingProvider", "shipmentTypeName", "trackingCode", "promisedShippingTime", "premium", "status",
          "buyerFailedDeliveryReturnInitiator", "buyerFailedDeliveryReason", "bundleId", "refundAmount"]


def lazada(sales: list[Sale], folder: Path) -> dict:
    rows, items = [], []
    for sale in extras(sales):
        created = sale.local(7).strftime("%d %b %Y %H:%M")
        status = ("canceled", "returned")[sale.index % 2] if sale.cancelled else ("delivered", "shipped")[sale.index % 2]
        order_number = "30" + digits(sale.order_id)[-6:].rjust(6, "0") + ("9" if sale.cancelled else "1") + "0000000"
        unit = local_money(sale.amount / sale.quantity)
        color, size = (sale.variant_name.split(" / ") + [""])[:2]
        for unit_index in range(sale.quantity):  # one row per unit: no quantity column
            item_id = order_number[:-2] + f"{unit_index:02d}"
            values = dict.fromkeys(LAZADA, "")
            values.update({
                "orderItemId": item_id, "orderType": "Normal", "deliveryType": "dropship", "lazadaId": "100000000",
                "sellerSku": sale.variant_sku, "lazadaSku": f"{sale.sku}_{sale.variant}-ID", "createTime": created,
                "updateTime": created, "orderNumber": order_number, "invoiceRequired": "No",
                "customerName": buyer(sale), "shippingName": buyer(sale), "shippingAddress": "1 Example Street",
                "shippingCity": "Test City", "shippingCountry": "Indonesia", "billingName": buyer(sale),
                "payMethod": "COD", "paidPrice": f"Rp {dots(unit)}", "unitPrice": f"Rp {dots(unit)}",
                "sellerDiscountTotal": "0", "shippingFee": "0", "walletCredit": "0", "itemName": NAMES[sale.sku],
                "variation": f"Color Family:{color}, Size:{size}", "shippingProvider": "LEX ID", "status": status,
                "refundAmount": f"Rp {dots(unit)}" if sale.cancelled else "0",
            })
            rows.append([values[h] for h in LAZADA])
            items.append((order_number, item_id, sale.cancelled, True))
    write_csv(folder / "lazada_orders.csv", LAZADA, rows, encoding="utf-8")
    orders = len({(o, i[:-2]) for o, i, c, _ in items if not c})  # units of one order and SKU make one order
    return {"files": ["lazada_orders.csv"], "format": "lazada", "rows": len(rows), "orders_used": orders - 1, "reels": REELS,
            "options": [], "inferred": "UTC+07:00", "outside": 1}  # to the minute, as Shopee


DOUYIN = ["主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商品ID", "商家编码", "商品单价", "订单应付金额", "运费",
          "优惠总金额", "商品金额", "收件人", "收件人手机号", "省", "市", "区", "街道", "详细地址", "买家留言", "订单提交时间",
          "支付完成时间", "订单完成时间", "订单状态", "售后状态", "取消原因", "商家备注", "作者账号", "作者昵称", "直播主题",
          "流量来源", "流量类型", "流量渠道", "流量体裁", "达人ID", "订单类型"]


def douyin(sales: list[Sale], folder: Path) -> dict:
    rows, items = [], []
    for k, sale in enumerate(extras(sales, cancelled=3, not_live=10)):
        created = sale.local(8).strftime("%Y/%m/%d %H:%M:%S")
        main_id = long_id("69", sale)
        refunded = sale.cancelled and k % 2 == 0
        status = "已完成" if refunded or not sale.cancelled else "已关闭"
        values = dict.fromkeys(DOUYIN, "-")
        values.update({
            "主订单编号": main_id, "子订单编号": main_id[:-1] + "1", "选购商品": f"{NAMES[sale.sku]}",
            "商品规格": sale.variant_name, "商品数量": str(sale.quantity), "商品ID": VARIANTS[sale.sku][3],
            "商家编码": "-" if sale.index % 5 == 0 else sale.variant_sku, "商品单价": f"{sale.amount / sale.quantity:.2f}",
            "订单应付金额": f"{sale.amount:.2f}", "运费": "0.00", "优惠总金额": "0.00", "商品金额": f"{sale.amount / sale.quantity:.2f}",
            "收件人": buyer(sale), "收件人手机号": "138****0000", "省": "测试省", "市": "测试市", "区": "测试区",
            "详细地址": "示例路1号", "订单提交时间": created, "支付完成时间": created, "订单状态": status,
            "售后状态": "退款成功" if refunded else "-", "取消原因": "不想要了" if sale.cancelled and not refunded else "-",
            "作者账号": "demo_host", "作者昵称": "Demo Host", "直播主题": "Demo live" if sale.live else "-",
            "流量来源": "直播间" if sale.live else "商品卡", "流量体裁": "直播" if sale.live else ("短视频", "其他")[k % 2],
            "订单类型": "普通订单",
        })
        rows.append(["\t" + values[h] + "\t" for h in DOUYIN])
        items.append((main_id, sale.variant_sku, sale.cancelled, sale.live))
    write_csv(folder / "douyin_orders.csv", DOUYIN, rows, encoding="utf-8-sig", quoting=csv.QUOTE_ALL)
    return {"files": ["douyin_orders.csv"], "format": "douyin", "rows": len(rows), "orders_used": unique_items(items),
            "not_live": 10, "reels": REELS, "options": [], "inferred": "UTC+08:00"}


TAOBAO_LIST = ["订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "总金额", "买家实际支付金额", "订单状态",
               "买家留言", "收货人姓名", "收货地址", "运送方式", "联系手机", "订单创建时间", "订单付款时间", "宝贝标题", "宝贝种类",
               "物流单号", "物流公司", "订单备注", "宝贝总数量", "店铺Id", "店铺名称", "订单关闭原因"]
TAOBAO_DETAIL = ["订单编号", "标题", "价格", "购买数量", "外部系统编号", "商品属性", "套餐信息", "备注", "订单状态", "商家编码"]


def _text(value: str) -> str:
    return f'="{value}"'  # how Taobao keeps long numbers as text in Excel


def taobao(sales: list[Sale], folder: Path) -> dict:
    listing, detail, items = [], [], []
    for sale in extras(sales):
        order_id = long_id("38", sale)
        created = sale.local(8).strftime("%Y-%m-%d %H:%M:%S")
        status = "交易关闭" if sale.cancelled else ("交易成功", "卖家已发货，等待买家确认")[sale.index % 2]
        listing.append([_text(order_id), f"test_buyer_{sale.index % 50:02d}", "", f"{sale.amount:.2f}", "0.00",
                        f"{sale.amount:.2f}", "0.00" if sale.cancelled else f"{sale.amount:.2f}", status, "", buyer(sale),
                        "测试省 测试市 示例路1号", "快递", "138****0000", created, "" if sale.cancelled else created,
                        NAMES[sale.sku], "1", _text("SF0000000000"), "顺丰速运", "", str(sale.quantity), _text("100000"),
                        "示例店铺", "买家不想买了" if sale.cancelled else ""])
        color, size = (sale.variant_name.split(" / ") + [""])[:2]
        detail.append([_text(order_id), NAMES[sale.sku], f"{sale.amount / sale.quantity:.2f}", str(sale.quantity),
                       sale.variant_sku, f"颜色分类：{color};规格：{size}", "", "", status, sale.variant_sku])
        items.append((order_id, sale.variant_sku, sale.cancelled, True))
    write_csv(folder / "ExportOrderList202611201200.csv", TAOBAO_LIST, listing, encoding="gbk")
    write_csv(folder / "ExportOrderDetailList202611201200.csv", TAOBAO_DETAIL, detail, encoding="gbk")
    return {"files": ["ExportOrderList202611201200.csv", "ExportOrderDetailList202611201200.csv"], "format": "taobao",
            "rows": len(detail), "orders_used": unique_items(items), "reels": REELS, "options": [], "inferred": "UTC+08:00"}


ASIA = {
    "shopee_vi": lambda s, f: _shopee("vi", s, f),
    "shopee_en": lambda s, f: _shopee("en", s, f),
    "lazada": lazada,
    "douyin": douyin,
    "taobao": taobao,
}
