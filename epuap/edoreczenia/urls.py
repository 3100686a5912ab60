"""URLs of the simulated e-Doręczenia (mounted at /sim/edoreczenia/).

Paths follow the User Agent API (``/ua/v1/{eDeliveryAddress}/messages…``) and the Search Engine API
(``/se/v1/search/bae_search``); ``/se/v1/addresses`` is the simulator's simple GET search.
"""

from django.urls import path

from epuap.edoreczenia import resident_views, views

app_name = "edoreczenia"

urlpatterns = [
    path("auth/token", views.token, name="token"),
    path(".well-known/jwks.json", views.jwks, name="jwks"),
    path("ua/v1/<str:ade>/messages", views.messages, name="messages"),
    path("ua/v1/<str:ade>/messages/evidences/<uuid:evidence_id>", views.evidence, name="evidence"),
    path("ua/v1/<str:ade>/messages/<uuid:message_id>", views.message, name="message"),
    path("ua/v1/<str:ade>/messages/<uuid:message_id>/evidences", views.message_evidences, name="message-evidences"),
    path(
        "ua/v1/<str:ade>/messages/<uuid:message_id>/attachments/<uuid:attachment_id>",
        views.attachment,
        name="attachment",
    ),
    path("se/v1/addresses", views.bae_addresses, name="bae-addresses"),
    path("se/v1/search/bae_search", views.bae_search, name="bae-search"),
]

# The test person's mailbox (web UI, the simulator's own session): epuap/edoreczenia/resident_views.py.
urlpatterns += [
    path("skrzynka/", resident_views.choose, name="sim-mailbox-choose"),
    path("skrzynka/wyloguj/", resident_views.logout, name="sim-logout"),
    path("skrzynka/odebrane/", resident_views.inbox, name="sim-inbox"),
    path("skrzynka/nowa/", resident_views.compose, name="sim-compose"),
    path("skrzynka/odebrane/<uuid:message_id>/", resident_views.message_detail, name="sim-message"),
    path("skrzynka/odebrane/<uuid:message_id>/odbierz/", resident_views.message_open, name="sim-message-open"),
    path(
        "skrzynka/odebrane/<uuid:message_id>/zalaczniki/<uuid:attachment_id>/",
        resident_views.attachment,
        name="sim-attachment",
    ),
]
