"""URLs of the simulated system (platform)."""

urlpatterns: list = []
