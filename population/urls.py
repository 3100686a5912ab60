from population import urls_certificates, urls_residents, urls_sync

app_name = "population"

urlpatterns = [*urls_residents.urlpatterns, *urls_sync.urlpatterns, *urls_certificates.urlpatterns]
