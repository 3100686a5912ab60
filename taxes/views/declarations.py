"""Back-office screens of the declarations area (issue 8)."""

urlpatterns: list = []
