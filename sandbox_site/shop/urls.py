from django.urls import path

from . import views

app_name = "shop"

urlpatterns = [
    path("orders/<uuid:token>/", views.order_page, name="order"),
]
