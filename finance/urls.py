from finance.views import accounts, bank, ledger

app_name = "finance"

urlpatterns = [*accounts.urlpatterns, *bank.urlpatterns, *ledger.urlpatterns]
