"""API of the declarations area under /api/v1/taxes/ (issue 8)."""

urlpatterns: list = []
