"""Back-office views: ledger."""

urlpatterns: list = []
