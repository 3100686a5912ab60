from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("parties/", views.PartyListView.as_view(), name="party-list"),
    path("parties/new/", views.PartyCreateView.as_view(), name="party-create"),
    path("parties/<int:pk>/", views.PartyDetailView.as_view(), name="party-detail"),
    path("parties/<int:pk>/edit/", views.PartyUpdateView.as_view(), name="party-update"),
    path("streets/options/", views.StreetOptionsView.as_view(), name="street-options"),
    path("audit/", views.AuditListView.as_view(), name="audit-list"),
]
