"""URLs of the residents register: certificates and disclosures of data (included by population/urls.py)."""

from django.urls import path

from population.views import certificates as views

urlpatterns = [
    path(
        "residents/<int:resident_id>/certificates/",
        views.CertificateListView.as_view(),
        name="certificate-list",
    ),
    path(
        "residents/<int:resident_id>/certificates/new/",
        views.CertificateIssueView.as_view(),
        name="certificate-issue",
    ),
    path("certificates/<int:pk>/", views.CertificateDetailView.as_view(), name="certificate-detail"),
    path("certificates/<int:pk>/pdf/", views.CertificatePdfView.as_view(), name="certificate-pdf"),
    # Public: printed on every certificate. Shows masked data only; malformed codes get 404.
    path("verify/<str:code>/", views.CertificateVerifyView.as_view(), name="certificate-verify"),
    path("disclosures/", views.DisclosureListView.as_view(), name="disclosure-list"),
    path("disclosures/new/", views.DisclosureCreateView.as_view(), name="disclosure-create"),
    path("disclosures/<int:pk>/", views.DisclosureDetailView.as_view(), name="disclosure-detail"),
]
