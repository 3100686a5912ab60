from django.urls import path

from portal import views, views_cases, views_forms, views_mydata, views_notifications, views_pay, views_taxes

app_name = "portal"

urlpatterns = [
    path("", views.PortalHomeView.as_view(), name="home"),
    path("login/", views.login, name="login"),
    path("login/acs/", views.acs, name="acs"),
    path("wyloguj/", views.logout, name="logout"),
]
urlpatterns += views_taxes.urlpatterns + views_pay.urlpatterns + views_forms.urlpatterns + views_cases.urlpatterns
urlpatterns += views_notifications.urlpatterns + views_mydata.urlpatterns
