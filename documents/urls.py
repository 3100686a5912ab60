from documents.views import archive, cases, dispatch, inbox, intake, outgoing, search

app_name = "documents"

urlpatterns = [
    *intake.urlpatterns,
    *inbox.urlpatterns,
    *cases.urlpatterns,
    *outgoing.urlpatterns,
    *dispatch.urlpatterns,
    *archive.urlpatterns,
    *search.urlpatterns,
]
