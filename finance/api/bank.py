"""API: bank."""

urlpatterns: list = []
