"""Back-office views: inbox."""

urlpatterns: list = []
