"""/api/v1/: each app contributes its API urls here."""

from django.urls import include, path

urlpatterns = [
    path("", include("core.api.urls")),
    path("population/", include("population.api.urls")),
    path("documents/", include("documents.api.urls")),
    path("finance/", include("finance.api.urls")),
    path("taxes/", include("taxes.api.urls")),
    path("portal/", include("portal.api.urls")),
]
