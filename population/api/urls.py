"""/api/v1/population/ (included by config/api_urls.py). A plain list: other modules add their lines at the end."""

from django.urls import path

from population.api import views

urlpatterns = [
    path("residents/", views.ResidentListApi.as_view(), name="api-population-resident-list"),
    path("residents/<int:pk>/", views.ResidentDetailApi.as_view(), name="api-population-resident-detail"),
    path(
        "residents/<int:pk>/registrations/",
        views.ResidentRegistrationsApi.as_view(),
        name="api-population-resident-registrations",
    ),
    path("registrations/", views.RegistrationListApi.as_view(), name="api-population-registration-list"),
    path(
        "registrations/<int:pk>/deregister/",
        views.RegistrationDeregisterApi.as_view(),
        name="api-population-registration-deregister",
    ),
    path(
        "registrations/<int:pk>/extend/",
        views.RegistrationExtendApi.as_view(),
        name="api-population-registration-extend",
    ),
    path("counts/", views.ResidentCountsApi.as_view(), name="api-population-counts"),
    path("counts/address/", views.ResidentCountAtAddressApi.as_view(), name="api-population-count-at-address"),
]

# Certificates (population/api/certificates.py)
from population.api import certificates as certificate_views  # noqa: E402

urlpatterns += [
    path(
        "residents/<int:pk>/certificates/",
        certificate_views.ResidentCertificateIssueApi.as_view(),
        name="api-population-resident-certificate-issue",
    ),
    path(
        "certificates/<int:pk>/",
        certificate_views.CertificateDetailApi.as_view(),
        name="api-population-certificate-detail",
    ),
    path(
        "certificates/<int:pk>/pdf/",
        certificate_views.CertificatePdfApi.as_view(),
        name="api-population-certificate-pdf",
    ),
]

# Sync with the central PESEL register (population/api/sync.py)
from population.api import sync as sync_views  # noqa: E402

urlpatterns += [
    path("imports/", sync_views.CentralImportListApi.as_view(), name="api-population-import-list"),
    path("imports/<int:pk>/", sync_views.CentralImportDetailApi.as_view(), name="api-population-import-detail"),
    path("imports/<int:pk>/apply/", sync_views.CentralImportApplyApi.as_view(), name="api-population-import-apply"),
    path(
        "imports/<int:pk>/discard/", sync_views.CentralImportDiscardApi.as_view(), name="api-population-import-discard"
    ),
]
