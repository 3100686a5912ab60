from finance.views import accounts, bank, budget, cash, certificates, ledger, reminders, titles

app_name = "finance"

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
