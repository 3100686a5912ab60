"""URLs of the residents register: residents (included by population/urls.py)."""

urlpatterns: list = []
