"""Read order logs as shops export them and put every order on the recording's clock.

Formats: generic CSV / TSV / JSON array / JSONL / Excel workbook (``timestamp, sku, quantity,
amount, order_id``), native exports of Shopify, TikTok Shop, Shopee, Lazada, Douyin, Taobao/Tmall
and WooCommerce (recognised by their headers, :mod:`.platforms`), and any other export through the
preset's column mapping (``orders.columns``).

Products: an order naming a variant belongs to its catalog product (:mod:`.matching`).

Timestamps (:mod:`.times`): ISO 8601 with any UTC offset (offsets may differ row to row), other
common date formats (day/month order detected from the whole column), naive times in
``orders.timezone`` or else in the UTC offset that puts them inside the recording, epoch seconds or
milliseconds, Excel serial day numbers, or seconds / ``H:MM:SS`` from stream start.

Nothing is dropped silently: duplicates, cancelled/refunded orders, orders from outside the live,
orders outside the recording, unknown or ambiguous products and unreadable rows (with their line
numbers) are counted in :class:`~reelcart.models.OrderStats`.
"""

from .matching import ProductMatcher
from .platforms import PLATFORMS, detect_format
from .reader import MAX_ORDER_LOG_BYTES, load_orders
from .table import OrderTable
from .times import TimeParser

__all__ = ["MAX_ORDER_LOG_BYTES", "PLATFORMS", "OrderTable", "ProductMatcher", "TimeParser",
           "detect_format", "load_orders"]
