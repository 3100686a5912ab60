"""URLs of the simulated ePUAP platform (paths as on ws.epuap.gov.pl, under /sim/epuap/).

The SOAP services authenticate by WS-Security; the resident's web UI (the rest) by the simulated profil zaufany.
"""

from django.urls import path

from epuap.platform import resident_views, views

app_name = "epuap_platform"

urlpatterns = [
    path("pk_external_ws/services/pull", views.pull, name="ws-pull"),
    path("pk_external_ws/services/skrytka", views.skrytka, name="ws-skrytka"),
    path("pk_external_ws/services/doreczyciel", views.doreczyciel, name="ws-doreczyciel"),
    # The resident's side (test environment): simulated profil zaufany, forms, sent documents with UPP, inbox.
    path("", resident_views.identity, name="resident-identity"),
    path("wyloguj/", resident_views.logout, name="resident-logout"),
    path("konto/", resident_views.home, name="resident-home"),
    path("konto/wyslij/<slug:kind>/", resident_views.form_send, name="resident-form"),
    path("konto/wyslane/", resident_views.sent_list, name="resident-sent"),
    path("konto/wyslane/<str:document_id>/", resident_views.sent_detail, name="resident-sent-detail"),
    path("konto/wyslane/<str:document_id>/dokument/", resident_views.sent_download, name="resident-sent-download"),
    path("konto/wyslane/<str:document_id>/upp/", resident_views.upp_download, name="resident-upp-download"),
    path("konto/odebrane/", resident_views.inbox, name="resident-inbox"),
    path("konto/odebrane/<str:order_id>/", resident_views.delivery_detail, name="resident-delivery"),
    path("konto/odebrane/<str:order_id>/odbierz/", resident_views.delivery_open, name="resident-delivery-open"),
    path("konto/odebrane/<str:order_id>/pobierz/", resident_views.delivery_download, name="resident-delivery-download"),
]
