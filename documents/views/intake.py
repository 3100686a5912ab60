"""Back-office views: intake."""

urlpatterns: list = []
