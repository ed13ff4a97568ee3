from django.urls import path

from .views import account, cart, checkout, orders

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
    path("account/sign-up/", account.sign_up, name="sign_up"),
    path("account/sign-in/", account.sign_in, name="sign_in"),
    path("account/sign-out/", account.sign_out, name="sign_out"),
    path("account/orders/", account.my_orders, name="my_orders"),
    path("account/password-reset/", account.password_reset, name="password_reset"),
    path("account/password-reset/sent/", account.password_reset_done, name="password_reset_done"),
    path("account/password-reset/<uidb64>/<token>/", account.password_reset_confirm, name="password_reset_confirm"),
    path("account/password-reset/done/", account.password_reset_complete, name="password_reset_complete"),
]
