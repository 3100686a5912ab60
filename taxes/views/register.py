"""Back-office screens of the register area (issue 8)."""

urlpatterns: list = []
