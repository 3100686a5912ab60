"""URLs of the residents register: certificates (included by population/urls.py)."""

urlpatterns: list = []
