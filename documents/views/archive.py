"""Back-office views: archive."""

urlpatterns: list = []
