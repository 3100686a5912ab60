from finance.api import accounts, bank, ledger

urlpatterns = [*accounts.urlpatterns, *bank.urlpatterns, *ledger.urlpatterns]
