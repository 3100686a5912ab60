"""Back-office views: bank."""

urlpatterns: list = []
