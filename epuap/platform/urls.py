"""URLs of the simulated ePUAP platform (paths as on ws.epuap.gov.pl, under /sim/epuap/)."""

from django.urls import path

from epuap.platform import views

app_name = "epuap_platform"

urlpatterns = [
    path("pk_external_ws/services/pull", views.pull, name="ws-pull"),
    path("pk_external_ws/services/skrytka", views.skrytka, name="ws-skrytka"),
    path("pk_external_ws/services/doreczyciel", views.doreczyciel, name="ws-doreczyciel"),
]
