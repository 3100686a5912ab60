"""URLs of the simulated login.gov.pl (paths as on the real node, under /sim/wk/)."""

from django.urls import path

from epuap.wk import views

app_name = "wk_sim"

urlpatterns = [
    path("", views.index, name="index"),
    path("login/SingleSignOnService", views.single_sign_on, name="sso"),
    path("login/wybor-tozsamosci", views.choose_identity, name="choose"),
    path("login/metadata", views.metadata, name="metadata"),
    path("login-services/idpArtifactResolutionService", views.artifact_resolution, name="artifact-resolution"),
    path("login-services/singleLogoutService", views.single_logout, name="slo"),
]
