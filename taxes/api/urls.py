from taxes.api import assessment, declarations, rates, register
from taxes.api import decisions as decisions_area

urlpatterns = [*rates.urlpatterns, *register.urlpatterns, *declarations.urlpatterns, *assessment.urlpatterns]
urlpatterns += decisions_area.urlpatterns
