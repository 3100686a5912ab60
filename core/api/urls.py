from django.urls import path

from core.api import views

urlpatterns = [
    path("auth/token/", views.TokenObtainApi.as_view(), name="api-token"),
    path("parties/", views.PartyListApi.as_view(), name="api-party-list"),
    path("parties/<int:pk>/", views.PartyDetailApi.as_view(), name="api-party-detail"),
    path("teryt/localities/", views.LocalityListApi.as_view(), name="api-locality-list"),
    path("teryt/streets/", views.StreetListApi.as_view(), name="api-street-list"),
    path("org-units/", views.OrgUnitListApi.as_view(), name="api-orgunit-list"),
    path("audit-events/", views.AuditEventListApi.as_view(), name="api-auditevent-list"),
]
