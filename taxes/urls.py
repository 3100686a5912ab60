from taxes.views import appeals as appeals_area
from taxes.views import assessment as assessment_area
from taxes.views import changes as changes_area
from taxes.views import decisions as decisions_area
from taxes.views import declarations, rates, register, waste_decisions, waste_intake, waste_stats
from taxes.views.waste import urlpatterns as waste_urls
from taxes.views.waste_ops import urlpatterns as waste_ops_urls

app_name = "taxes"

urlpatterns = [*rates.urlpatterns, *register.urlpatterns, *declarations.urlpatterns]
urlpatterns += decisions_area.urlpatterns
urlpatterns += appeals_area.urlpatterns
urlpatterns += assessment_area.urlpatterns
urlpatterns += changes_area.urlpatterns
urlpatterns += waste_urls
urlpatterns += waste_ops_urls
urlpatterns += waste_decisions.urlpatterns + waste_intake.urlpatterns + waste_stats.urlpatterns
