from documents.api import archive, cases, dispatch, inbox, intake, outgoing, search

urlpatterns = [
    *intake.urlpatterns,
    *inbox.urlpatterns,
    *cases.urlpatterns,
    *outgoing.urlpatterns,
    *dispatch.urlpatterns,
    *archive.urlpatterns,
    *search.urlpatterns,
]
