"""API: intake."""

urlpatterns: list = []
