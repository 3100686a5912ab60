"""API: search."""

urlpatterns: list = []
