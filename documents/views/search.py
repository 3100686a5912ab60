"""Back-office views: search."""

urlpatterns: list = []
