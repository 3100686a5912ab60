from finance.api import accounts, bank, budget, cash, certificates, ledger, reminders, titles

urlpatterns = [
    *accounts.urlpatterns,
    *bank.urlpatterns,
    *ledger.urlpatterns,
    *reminders.urlpatterns,
    *titles.urlpatterns,
    *certificates.urlpatterns,
    *cash.urlpatterns,
    *budget.urlpatterns,
]
