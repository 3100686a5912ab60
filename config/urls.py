from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core import views as core_views

urlpatterns = [
    path("", core_views.DashboardView.as_view(), name="dashboard"),
    path("healthz", core_views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registration/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("core/", include("core.urls")),
    path("population/", include("population.urls")),
    path("documents/", include("documents.urls")),
    path("finance/", include("finance.urls")),
    path("taxes/", include("taxes.urls")),
    path("portal/", include("portal.urls")),
    path("epuap/", include("epuap.urls")),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

# The simulated national platforms and the payment gateway (test environment, demo, CI): never mounted in production
# unless SIMULATORS_ENABLED says so — a simulator signs with the office's own keys (docs/deploy.md).
if settings.SIMULATORS_ENABLED:
    urlpatterns += [
        path("sim/epuap/", include("epuap.platform.urls")),
        path("sim/edoreczenia/", include("epuap.edoreczenia.urls")),
        path("sim/wk/", include("epuap.wk.urls")),
        path("sim/platnosci/", include("finance.gateway_sim.urls")),
    ]

handler404 = "core.views.handler404"
handler500 = "core.views.handler500"
handler403 = "core.views.handler403"
