"""URLs of the simulated system (edoreczenia)."""

urlpatterns: list = []
