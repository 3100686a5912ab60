from taxes.views import declarations, rates, register

app_name = "taxes"

urlpatterns = [*rates.urlpatterns, *register.urlpatterns, *declarations.urlpatterns]
