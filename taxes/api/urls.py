from taxes.api import declarations, rates, register

urlpatterns = [*rates.urlpatterns, *register.urlpatterns, *declarations.urlpatterns]
