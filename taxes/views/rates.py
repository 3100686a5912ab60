"""Back-office screens of the rates area (issue 8)."""

urlpatterns: list = []
