"""API: outgoing."""

urlpatterns: list = []
