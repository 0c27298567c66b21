"""Shopify, TikTok Shop (Gulf csv, Vietnam xlsx, US csv) and WooCommerce exports of the sample sales."""

from __future__ import annotations

from pathlib import Path

from make_exports import NAMES, Sale, buyer, digits, extras, long_id, money, dots, unique_items, write_csv, write_xlsx

REELS = ["SKU-GLOW-30", "SKU-BAMBOO-750", "SKU-CLOUD-BLK"]

SHOPIFY_HEADER = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Accepts Marketing", "Currency",
    "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Shipping Method", "Created at",
    "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price", "Lineitem sku",
    "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status", "Billing Name", "Billing Street",
    "Billing Address1", "Billing Address2", "Billing Company", "Billing City", "Billing Zip", "Billing Province",
    "Billing Country", "Billing Phone", "Shipping Name", "Shipping Street", "Shipping Address1", "Shipping Address2",
    "Shipping Company", "Shipping City", "Shipping Zip", "Shipping Province", "Shipping Country", "Shipping Phone", "Notes",
    "Note Attributes", "Cancelled at", "Payment Method", "Payment Reference", "Refunded Amount", "Vendor",
    "Outstanding Balance", "Employee", "Location", "Device ID", "Id", "Tags", "Risk Level", "Source", "Lineitem discount",
    "Tax 1 Name", "Tax 1 Value", "Tax 2 Name", "Tax 2 Value", "Tax 3 Name", "Tax 3 Value", "Tax 4 Name", "Tax 4 Value",
    "Tax 5 Name", "Tax 5 Value", "Phone", "Receipt Number", "Duties", "Billing Province Name", "Shipping Province Name",
    "Payment ID", "Payment Terms Name", "Next Payment Due At", "Payment References",
]
assert len(SHOPIFY_HEADER) == 79


def _shopify_rows(sales: list[Sale]) -> tuple[list[list[str]], list[tuple]]:
    rows, items = [], []
    column = {name: i for i, name in enumerate(SHOPIFY_HEADER)}
    for sale in sales:
        name = "#" + digits(sale.order_id)[-5:] if sale.order_id[:2] not in ("CX", "NL") else f"#9{sale.order_id[-1]}001"
        created = sale.local(-7).strftime("%Y-%m-%d %H:%M:%S -0700")
        empty_sku = sale.index % 5 == 2
        first = [""] * len(SHOPIFY_HEADER)
        status = ("refunded", "voided")[sale.index % 2] if sale.cancelled else \
            ("paid", "pending", "partially_refunded", "paid")[sale.index % 4]
        values = {
            "Name": name, "Email": f"buyer{sale.index % 50:02d}@example.com", "Financial Status": status,
            "Paid at": created, "Fulfillment Status": "unfulfilled", "Accepts Marketing": "no", "Currency": "USD",
            "Subtotal": money(sale.amount), "Shipping": "0.00", "Taxes": "0.00", "Total": money(sale.amount),
            "Created at": created, "Lineitem quantity": str(sale.quantity),
            "Lineitem name": f"{NAMES[sale.sku]} - {sale.variant_name}", "Lineitem price": money(sale.amount / sale.quantity),
            "Lineitem sku": "" if empty_sku else sale.variant_sku, "Lineitem requires shipping": "true",
            "Lineitem taxable": "true", "Lineitem fulfillment status": "pending", "Billing Name": buyer(sale),
            "Billing Street": "1 Example Street", "Billing City": "Testville", "Billing Country": "US",
            "Cancelled at": created if sale.cancelled else "", "Payment Method": "Shopify Payments", "Vendor": "Demo Shop",
            "Id": "82" + digits(sale.order_id).rjust(11, "0"), "Risk Level": "Low", "Source": "web", "Lineitem discount": "0.00",
        }
        for key, value in values.items():
            first[column[key]] = value
        rows.append(first)
        items.append((name, values["Lineitem name"], sale.cancelled, True))
        if sale.index % 17 == 5 or sale.order_id == "CX-1":  # a second line item: a continuation row
            more = [""] * len(SHOPIFY_HEADER)
            for key, value in {"Name": name, "Created at": created, "Lineitem quantity": "1",
                               "Lineitem name": "Amber Soy Candle - Large", "Lineitem price": "12.00",
                               "Lineitem sku": "SKU-CANDLE-AMB-L", "Lineitem requires shipping": "true",
                               "Lineitem taxable": "true", "Lineitem fulfillment status": "pending",
                               "Lineitem discount": "0.00"}.items():
                more[column[key]] = value
            rows.append(more)
            items.append((name, "candle", sale.cancelled, True))
    return rows, items


def shopify(sales: list[Sale], folder: Path) -> dict:
    everything = extras(sales)
    rows, items = _shopify_rows(everything)
    write_csv(folder / "orders_export_1.csv", SHOPIFY_HEADER, rows, encoding="utf-8")
    # the other spelling of two headers, as some store versions write them
    other = [{"Lineitem sku": "Lineitem SKU", "Cancelled at": "Canceled at"}.get(h, h) for h in SHOPIFY_HEADER]
    write_csv(folder / "orders_export_spelling.csv", other, rows, encoding="utf-8-sig")
    return {"files": ["orders_export_1.csv"], "format": "shopify", "rows": len(rows), "orders_used": unique_items(items),
            "reels": REELS, "options": []}


TIKTOK_HEADER = [
    "Order ID", "Order Status", "Order Substatus", "Cancelation/Return Type", "Normal or Pre-order", "SKU ID", "Seller SKU",
    "Product Name", "Variation", "Quantity", "Sku Quantity of return", "SKU Unit Original Price",
    "SKU Subtotal Before Discount", "SKU Platform Discount", "SKU Seller Discount", "SKU Subtotal After Discount",
    "Shipping Fee After Discount", "Original Shipping Fee", "Shipping Fee Seller Discount", "Shipping Fee Platform Discount",
    "Payment platform discount", "Taxes", "Order Amount", "Order Refund Amount", "Created Time", "Paid Time", "RTS Time",
    "Shipped Time", "Delivered Time", "Cancelled Time", "Cancel By", "Cancel Reason", "Fulfillment Type", "Warehouse Name",
    "Tracking ID", "Delivery Option", "Shipping Provider Name", "Buyer Message", "Buyer Username", "Recipient", "Phone #",
    "Country", "Province", "District", "Commune", "Detail Address", "Additional address information", "Payment Method",
    "Weight(kg)", "Product Category", "Package ID", "Seller Note", "Checked Status", "Checked Marked by",
]
TIKTOK_REGIONS = {
    # name: utc offset h, time format, status ok / cancelled, amount writer, sku column, channel column, xlsx
    "tiktok_ae": (4, "%d/%m/%Y %H:%M:%S", ("Completed", "Cancelled"), lambda v: f"AED {v:.2f}", "seller", False, False),
    "tiktok_vn": (7, "%d/%m/%Y %H:%M:%S", ("Đã giao", "Đã hủy"), lambda v: "₫" + dots(v * 25000), "sku_id", True, True),
    "tiktok_us": (-5, "%m/%d/%Y %I:%M:%S %p", ("Shipped", "Canceled"), lambda v: f"{v:.2f}", "catalog", False, False),
}


def _tiktok(region: str, sales: list[Sale], folder: Path) -> dict:
    hours, time_format, (ok, cancelled), price, sku_rule, channel, xlsx = TIKTOK_REGIONS[region]
    everything = extras(sales, not_live=12 if channel else 0)
    header = TIKTOK_HEADER + (["Order Channel"] if channel else [])
    rows, items = [], []
    for sale in everything:
        created = sale.local(hours).strftime(time_format) + "\t"
        unit = sale.amount / sale.quantity
        row = dict.fromkeys(header, "")
        row.update({
            "Order ID": long_id("577", sale, 18) + "\t", "Order Status": cancelled if sale.cancelled else ok,
            "Normal or Pre-order": "Normal", "SKU ID": sale.sku_id + "\t",
            "Seller SKU": {"seller": sale.variant_sku, "catalog": sale.sku, "sku_id": ""}[sku_rule],
            "Product Name": NAMES[sale.sku], "Variation": sale.variant_name, "Quantity": str(sale.quantity),
            "Sku Quantity of return": "0", "SKU Unit Original Price": price(unit),
            "SKU Subtotal Before Discount": price(sale.amount), "SKU Platform Discount": price(0),
            "SKU Seller Discount": price(0), "SKU Subtotal After Discount": price(sale.amount), "Order Amount": price(sale.amount),
            "Order Refund Amount": price(sale.amount if sale.cancelled else 0), "Created Time": created, "Paid Time": created,
            "Cancelled Time": created if sale.cancelled else "", "Cancel By": "User" if sale.cancelled else "",
            "Cancel Reason": "Changed mind" if sale.cancelled else "", "Fulfillment Type": "Fulfillment by seller",
            "Buyer Username": buyer(sale).replace(" ", "_").lower(), "Recipient": buyer(sale), "Phone #": "(+00)000****00",
            "Country": "Testland", "Detail Address": "1 Example Street", "Payment Method": "Cash on delivery",
            "Product Category": "Home", "Package ID": long_id("117", sale, 18),
        })
        if sale.cancelled:
            row["Cancelation/Return Type"] = "Cancel"
        if channel:
            row["Order Channel"] = "LIVE" if sale.live else ("Videos", "Product cards")[sale.index % 2]
        rows.append([row[h] for h in header])
        items.append((row["Order ID"], sale.sku_id, sale.cancelled, sale.live))
    name = f"{region}.{'xlsx' if xlsx else 'csv'}"
    if xlsx:
        description = [f"{h} of the order line." for h in header]
        write_xlsx(folder / name, header, rows, description=description, wrong_dimension=True)
    else:
        write_csv(folder / name, header, rows, encoding="utf-8")
    return {"files": [name], "format": "tiktok", "rows": len(rows),
            "orders_used": unique_items(items), "not_live": 12 if channel else 0, "reels": REELS, "options": [],
            "inferred": f"UTC{hours:+03d}:00"}


WOO_HEADER = ["Order Number", "Order Status", "Order Date", "Paid Date", "Customer Note", "First Name (Billing)",
              "Last Name (Billing)", "Email (Billing)", "Country Code (Billing)", "Payment Method Title", "Cart Discount Amount",
              "Order Subtotal Amount", "Order Shipping Amount", "Order Total Amount", "Order Currency", "Item #", "SKU",
              "Name", "Product Variation", "Quantity", "Item Cost", "Coupon Code"]


def woocommerce(sales: list[Sale], folder: Path) -> dict:
    rows, items = [], []
    for sale in extras(sales):
        date = sale.local(3).strftime("%Y-%m-%d %H:%M:%S")
        status = ("Cancelled", "Refunded")[sale.index % 2] if sale.cancelled else ("Completed", "Processing")[sale.index % 2]
        empty_sku = sale.index % 6 == 1
        color = sale.variant_name.split(" / ")[0]
        rows.append([digits(sale.order_id)[-5:], status, date, "" if sale.cancelled else date, "", buyer(sale).split()[0],
                     buyer(sale).split()[-1], f"buyer{sale.index % 50:02d}@example.com", "SA", "Cash on delivery", "0",
                     money(sale.amount), "0", money(sale.amount), "SAR", str(sale.index + 1),
                     "" if empty_sku else sale.variant_sku, f"{NAMES[sale.sku]} - {color}", f"Option: {color}",
                     str(sale.quantity), money(sale.amount / sale.quantity), ""])
        items.append((rows[-1][0], sale.variant_sku, sale.cancelled, True))
    write_csv(folder / "woocommerce_orders.csv", WOO_HEADER, rows, encoding="utf-8-sig")
    return {"files": ["woocommerce_orders.csv"], "format": "woocommerce", "rows": len(rows), "orders_used": unique_items(items),
            "reels": REELS, "options": [], "inferred": "UTC+03:00"}


WEST = {
    "shopify": shopify,
    "tiktok_ae": lambda s, f: _tiktok("tiktok_ae", s, f),
    "tiktok_vn": lambda s, f: _tiktok("tiktok_vn", s, f),
    "tiktok_us": lambda s, f: _tiktok("tiktok_us", s, f),
    "woocommerce": woocommerce,
}
