"""Back-office views: outgoing."""

urlpatterns: list = []
