"""/api/v1/population/ (included by config/api_urls.py)."""

urlpatterns: list = []
