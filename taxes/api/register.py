"""API of the register area under /api/v1/taxes/ (issue 8)."""

urlpatterns: list = []
