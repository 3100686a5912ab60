"""Back-office views: dispatch."""

urlpatterns: list = []
