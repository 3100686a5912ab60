"""API: dispatch."""

urlpatterns: list = []
