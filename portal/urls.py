from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.PortalHomeView.as_view(), name="home"),
    path("login/", views.login, name="login"),
    path("login/acs/", views.acs, name="acs"),
    path("wyloguj/", views.logout, name="logout"),
]
