"""Back-office views: accounts."""

urlpatterns: list = []
