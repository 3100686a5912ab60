"""URLs of the simulated payment gateway (/sim/platnosci/)."""

from django.urls import path

from finance.gateway_sim import views

app_name = "gateway_sim"

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:token>/", views.start, name="start"),
    path("<str:token>/bank/", views.bank, name="bank"),
]
