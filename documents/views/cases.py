"""Back-office views: cases."""

urlpatterns: list = []
