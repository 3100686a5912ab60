"""URLs of the residents register: sync with the central PESEL register (included by population/urls.py)."""

from django.urls import path

from population.views import sync

urlpatterns: list = [
    path("imports/", sync.ImportListView.as_view(), name="import-list"),
    path("imports/upload/", sync.ImportUploadView.as_view(), name="import-upload"),
    path("imports/<int:pk>/", sync.ImportDetailView.as_view(), name="import-detail"),
    path("imports/<int:pk>/apply/", sync.ImportApplyView.as_view(), name="import-apply"),
    path("imports/<int:pk>/discard/", sync.ImportDiscardView.as_view(), name="import-discard"),
]
