"""API: archive."""

urlpatterns: list = []
