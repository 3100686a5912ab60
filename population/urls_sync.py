"""URLs of the residents register: sync (included by population/urls.py)."""

urlpatterns: list = []
