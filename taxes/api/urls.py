from taxes.api import appeals, assessment, declarations, rates, register, waste_decisions, waste_intake, waste_stats
from taxes.api import changes as changes_area
from taxes.api import decisions as decisions_area
from taxes.api.waste import urlpatterns as waste_urls
from taxes.api.waste_ops import urlpatterns as waste_ops_urls

urlpatterns = [*rates.urlpatterns, *register.urlpatterns, *declarations.urlpatterns, *assessment.urlpatterns]
urlpatterns += decisions_area.urlpatterns
urlpatterns += appeals.urlpatterns
urlpatterns += changes_area.urlpatterns
urlpatterns += waste_urls
urlpatterns += waste_ops_urls
urlpatterns += waste_decisions.urlpatterns + waste_intake.urlpatterns + waste_stats.urlpatterns
