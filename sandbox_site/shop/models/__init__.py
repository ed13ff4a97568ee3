from .orders import PAID_STATUSES, Order, OrderLine
from .pages import CatalogueIndexPage, HomePage, ProductImage, ProductPage, ProductVariant
from .prices import CURRENCIES, DEFAULT_CURRENCY
from .shipping import ShippingMethod
from .vouchers import Voucher

__all__ = [
    "CURRENCIES",
    "DEFAULT_CURRENCY",
    "PAID_STATUSES",
    "CatalogueIndexPage",
    "HomePage",
    "Order",
    "OrderLine",
    "ProductImage",
    "ProductPage",
    "ProductVariant",
    "ShippingMethod",
    "Voucher",
]
