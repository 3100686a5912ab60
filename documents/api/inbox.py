"""API: inbox."""

urlpatterns: list = []
