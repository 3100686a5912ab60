"""URLs of the residents register: residents, registrations of stay, statistics (included by population/urls.py)."""

from django.urls import path

from population.views import residents, statistics

urlpatterns: list = [
    path("residents/", residents.ResidentListView.as_view(), name="resident-list"),
    path("residents/new/", residents.ResidentCreateView.as_view(), name="resident-create"),
    path("residents/<int:pk>/", residents.ResidentDetailView.as_view(), name="resident-detail"),
    path("residents/<int:pk>/register/", residents.RegistrationCreateView.as_view(), name="registration-create"),
    path("residents/<int:pk>/death/", residents.ResidentDeathView.as_view(), name="resident-death"),
    path("residents/<int:pk>/emigration/", residents.ResidentEmigrationView.as_view(), name="resident-emigration"),
    path(
        "registrations/<int:pk>/deregister/",
        residents.RegistrationDeregisterView.as_view(),
        name="registration-deregister",
    ),
    path("registrations/<int:pk>/extend/", residents.RegistrationExtendView.as_view(), name="registration-extend"),
    path("statistics/", statistics.StatisticsView.as_view(), name="statistics"),
]
