"""/api/v1/portal/: the resident's own data (IsResident; never another party's)."""

from portal.api import cases, forms, mydata, notifications, pay, taxes

urlpatterns = [
    *taxes.urlpatterns,
    *pay.urlpatterns,
    *forms.urlpatterns,
    *cases.urlpatterns,
    *notifications.urlpatterns,
    *mydata.urlpatterns,
]
