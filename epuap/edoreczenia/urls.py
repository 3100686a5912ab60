"""URLs of the simulated e-Doręczenia (mounted at /sim/edoreczenia/).

Paths follow the User Agent API (``/ua/v1/{eDeliveryAddress}/messages…``) and the Search Engine API
(``/se/v1/search/bae_search``); ``/se/v1/addresses`` is the simulator's simple GET search.
"""

from django.urls import path

from epuap.edoreczenia import views

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
