"""Back-office URLs of the office's ePUAP / e-Doręczenia adapter."""

from django.urls import path

from epuap import dispatch_views, views

app_name = "epuap"

urlpatterns = [
    path("", views.InboundListView.as_view(), name="inbound-list"),
    path("status/", views.AdapterStatusView.as_view(), name="status"),
    path("quarantine/", views.QuarantineListView.as_view(), name="quarantine"),
    path("inbound/<int:pk>/", views.InboundDetailView.as_view(), name="inbound-detail"),
    path("inbound/<int:pk>/original/", views.InboundDownloadView.as_view(), name="inbound-download"),
    path("inbound/<int:pk>/release/", views.InboundReleaseView.as_view(), name="inbound-release"),
    path("inbound/<int:pk>/reject/", views.InboundRejectView.as_view(), name="inbound-reject"),
    path("dispatches/", dispatch_views.DispatchListView.as_view(), name="dispatch-list"),
    path("dispatches/<int:pk>/", dispatch_views.DispatchDetailView.as_view(), name="dispatch-detail"),
    path(
        "dispatches/<int:pk>/<str:what>/",
        dispatch_views.DispatchFileView.as_view(),
        name="dispatch-file",
    ),
]
