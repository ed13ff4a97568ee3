from django.urls import path

from .views import cart, checkout, orders

app_name = "shop"

urlpatterns = [
    path("cart/", cart.cart_page, name="cart"),
    path("cart/add/", cart.add, name="cart_add"),
    path("cart/update/", cart.update, name="cart_update"),
    path("cart/remove/", cart.remove, name="cart_remove"),
    path("currency/", cart.set_currency, name="currency"),
    path("checkout/", checkout.checkout, name="checkout"),
    path("orders/<uuid:token>/", orders.order_page, name="order"),
    path("orders/<uuid:token>/confirmation/", orders.confirmation, name="confirmation"),
    path("orders/<uuid:token>/pay/", orders.pay, name="pay"),
    path("orders/<uuid:token>/pay/<uuid:payment_uuid>/", orders.pay_here, name="pay_here"),
]
