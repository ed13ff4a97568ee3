from .orders import PAID_STATUSES, Order, OrderLine
from .pages import CatalogueIndexPage, HomePage, ProductImage, ProductPage, ProductVariant
from .prices import CURRENCIES, DEFAULT_CURRENCY
from .shipping import ShippingMethod

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
]
