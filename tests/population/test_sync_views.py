"""Back office and API of the sync with the central PESEL register: screens, permissions, error shape."""

from collections import Counter

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from core import roles
from core.models import AuditEvent
from population.models import CentralImport
from tests.population.test_sync import EWA, JAN, TOMASZ, build_example_local, example_csv, register_state


@pytest.fixture
def clerk(population_clerk):
    return population_clerk


@pytest.fixture
def example_local(clerk, demo_teryt):
    return build_example_local(clerk)


def csv_file(content: bytes | None = None, name: str = "eksport.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, example_csv() if content is None else content, content_type="text/csv")


@pytest.fixture
def client_clerk(client, clerk):
    client.force_login(clerk)
    return client


@pytest.fixture
def api(clerk):
    api = APIClient()
    api.force_authenticate(clerk)
    return api


def upload_page(client, content: bytes | None = None):
    return client.post(reverse("population:import-upload"), {"file": csv_file(content)})


# --- back office ----------------------------------------------------------------------------------------------


def test_menu_and_empty_list(client_clerk):
    response = client_clerk.get(reverse("population:import-list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-nav="population-sync"' in html
    assert "Synchronizacja z rejestrem PESEL" in html
    assert "Nie wgrano jeszcze żadnego eksportu." in html


def test_upload_shows_the_report(client_clerk, example_local):
    response = upload_page(client_clerk)

    imp = CentralImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("population:import-detail", args=[imp.pk])
    seq = AuditEvent.objects.order_by("-seq").first().seq
    page = client_clerk.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Plik został wczytany. Sprawdź raport, zanim go zastosujesz." in html
    assert "Raport uzgodnienia" in html
    assert '<dd data-kind="new">1</dd>' in html
    assert '<dd data-kind="changed">2</dd>' in html
    assert '<dd data-kind="missing_locally">1</dd>' in html
    assert '<dd data-kind="missing_centrally">1</dd>' in html
    # Field-by-field changes, local → central.
    assert (
        "Imiona</th>\n                            <td>Jan</td>\n                            <td>→ Jan Piotr</td>"
        in html
    )
    assert "<td>ul. Polna 3, Magistrowo</td>" in html
    assert "<td>→ ul. Słoneczna 7, Magistrowo</td>" in html
    assert "<td>→ 14.09.2026</td>" in html
    assert "<td>aktywny</td>" in html
    assert 'data-testid="apply"' in html
    # Reading the report is logged.
    assert AuditEvent.objects.filter(seq__gt=seq, action="central_import.viewed", object_id=str(imp.pk)).count() == 1
    listing = client_clerk.get(reverse("population:import-list")).content.decode()
    assert "eksport.csv" in listing


def test_quarantine_tab_lists_line_and_reason(client_clerk, example_local):
    upload_page(client_clerk)
    imp = CentralImport.objects.get()

    response = client_clerk.get(
        reverse("population:import-detail", args=[imp.pk]), {"show": "quarantine"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert "<html" not in html  # an HTMX fragment
    assert '<td class="num">8</td>' in html
    assert "PESEL: Błędna cyfra kontrolna PESEL: powinna być 2, jest 9." in html
    assert "72060164009;Wójcik;Katarzyna;" in html


def test_items_are_paginated_and_filtered(client_clerk, example_local, monkeypatch):
    from population.views import sync as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    upload_page(client_clerk)
    url = reverse("population:import-detail", args=[CentralImport.objects.get().pk])

    first = client_clerk.get(url).content.decode()
    third = client_clerk.get(url, {"page": 3}).content.decode()
    only_new = client_clerk.get(url, {"show": "new"}).content.decode()

    assert first.count("<tr data-pesel=") == 2
    assert "Strona 1 z 3" in first
    assert third.count("<tr data-pesel=") == 1
    assert only_new.count("<tr data-pesel=") == 1
    assert f'data-pesel="{EWA}"' in only_new
    assert "Nowa osoba:" in only_new


def test_cp1250_upload_is_shown_as_rejected(client_clerk, example_local):
    before = register_state()
    response = upload_page(client_clerk, example_csv().decode().encode("cp1250"))

    page = client_clerk.get(response["Location"])
    html = page.content.decode()
    assert "Plik został odrzucony; nic nie zaimportowano. Błędy są wymienione poniżej." in html
    assert "Wiersz 4: plik nie jest w UTF-8 — zapisz go jako UTF-8" in html
    assert 'data-testid="apply"' not in html
    assert CentralImport.objects.get().status == "rejected"
    assert register_state() == before


def test_too_large_upload_is_refused_in_the_form(client_clerk, demo_teryt, settings):
    settings.POPULATION_IMPORT_MAX_BYTES = 100
    response = upload_page(client_clerk)
    assert response.status_code == 422
    assert "Plik jest za duży" in response.content.decode()
    assert CentralImport.objects.count() == 0


def test_upload_without_a_file_is_a_form_error(client_clerk, demo_teryt):
    response = client_clerk.post(reverse("population:import-upload"), {})
    assert response.status_code == 422
    assert CentralImport.objects.count() == 0


def test_apply_through_the_confirmation_page(client_clerk, clerk, example_local):
    upload_page(client_clerk)
    imp = CentralImport.objects.get()
    apply_url = reverse("population:import-apply", args=[imp.pk])

    confirm = client_clerk.get(apply_url).content.decode()
    assert "Zastosować raport w rejestrze?" in confirm
    assert "1 nowa osoba zostanie dodana;" in confirm
    assert "2 osoby zostaną zmienione." in confirm
    response = client_clerk.post(apply_url)

    assert response.status_code == 302
    imp.refresh_from_db()
    assert (imp.status, imp.decided_by) == ("applied", clerk)
    page = client_clerk.get(response["Location"]).content.decode()
    assert "Raport został zastosowany w rejestrze." in page
    assert 'data-testid="apply"' not in page
    before = register_state()

    again = client_clerk.post(apply_url, follow=True).content.decode()

    assert "Ten raport został już zastosowany" in again
    assert register_state() == before
    # The confirmation page of a decided report sends back to the report.
    assert client_clerk.get(apply_url)["Location"] == reverse("population:import-detail", args=[imp.pk])


def test_discard_through_the_confirmation_page(client_clerk, example_local):
    upload_page(client_clerk)
    imp = CentralImport.objects.get()
    before = register_state()

    response = client_clerk.post(reverse("population:import-discard", args=[imp.pk]), follow=True)

    assert "Raport został odrzucony; rejestr nie został zmieniony." in response.content.decode()
    imp.refresh_from_db()
    assert imp.status == "discarded"
    assert register_state() == before


def test_apply_failure_is_shown_on_the_report(client_clerk, clerk, example_local):
    from core.services.parties import PartyInput, party_create

    upload_page(client_clerk)
    imp = CentralImport.objects.get()
    party_create(actor=clerk, data=PartyInput(pesel=EWA, first_names="Ewa", surname="Zielińska"))

    html = client_clerk.post(reverse("population:import-apply", args=[imp.pk]), follow=True).content.decode()

    assert "Ostatnia próba zastosowania raportu nie powiodła się:" in html
    assert "lokalny rejestr zmienił się po przygotowaniu raportu" in html
    imp.refresh_from_db()
    assert imp.status == "parsed"


def test_tax_clerk_can_neither_see_nor_upload(client, make_user, clerk, example_local):
    from population.sync import central_import_upload

    imp = central_import_upload(actor=clerk, file_name="e.csv", content=example_csv())
    client.force_login(make_user(roles.TAX_CLERK))
    before, imports, events = register_state(), CentralImport.objects.count(), AuditEvent.objects.count()

    for url in (
        reverse("population:import-list"),
        reverse("population:import-upload"),
        reverse("population:import-detail", args=[imp.pk]),
        reverse("population:import-apply", args=[imp.pk]),
        reverse("population:import-discard", args=[imp.pk]),
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"file": csv_file()}).status_code == 403, url
    assert 'data-nav="population-sync"' not in client.get(reverse("dashboard")).content.decode()

    assert (register_state(), CentralImport.objects.count(), AuditEvent.objects.count()) == (before, imports, events)
    imp.refresh_from_db()
    assert imp.status == "parsed"


def test_import_permission_without_apply_permission(client, make_user, clerk, example_local):
    from population.sync import central_import_upload

    imp = central_import_upload(actor=clerk, file_name="e.csv", content=example_csv())
    viewer = make_user()
    viewer.user_permissions.add(
        Permission.objects.get(codename="import_central"), Permission.objects.get(codename="access_backoffice")
    )
    client.force_login(viewer)

    page = client.get(reverse("population:import-detail", args=[imp.pk]))
    assert page.status_code == 200
    assert 'data-testid="apply"' not in page.content.decode()
    assert client.post(reverse("population:import-apply", args=[imp.pk])).status_code == 403
    imp.refresh_from_db()
    assert imp.status == "parsed"


# --- API ------------------------------------------------------------------------------------------------------


def test_api_happy_path(api, example_local):
    created = api.post("/api/v1/population/imports/", {"file": csv_file()}, format="multipart")
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["export_date"], body["rows_total"], body["rows_quarantined"]) == (
        "parsed",
        "2026-10-31",
        7,
        1,
    )
    assert Counter(item["kind"] for item in body["items"]) == Counter(
        {"changed": 2, "new": 1, "missing_locally": 1, "missing_centrally": 1}
    )
    jan = next(item for item in body["items"] if item["pesel"] == JAN)
    assert jan["changes"]["first_names"] == ["Jan", "Jan Piotr"]
    assert body["quarantined"] == [
        {
            "line_no": 8,
            "reason": "PESEL: Błędna cyfra kontrolna PESEL: powinna być 2, jest 9.",
            "raw": "72060164009;Wójcik;Katarzyna;;1972-06-01;K;PL;A;;S;1499014;9900001;90002;15;;05-990;2000-01-01;;"
            "2026-10-31",
        }
    ]
    pk = body["id"]

    again = api.post("/api/v1/population/imports/", {"file": csv_file(name="copy.csv")}, format="multipart")
    assert (again.status_code, again.json()["id"]) == (200, pk)

    listing = api.get("/api/v1/population/imports/").json()
    assert [(r["id"], r["status"], r["summary"]["new"]) for r in listing["results"]] == [(pk, "parsed", 1)]

    detail = api.get(f"/api/v1/population/imports/{pk}/", {"kind": "missing_centrally"}).json()
    assert [(i["pesel"], i["resident"]) for i in detail["items"]] == [(TOMASZ, example_local[TOMASZ].pk)]

    applied = api.post(f"/api/v1/population/imports/{pk}/apply/")
    assert applied.status_code == 200
    assert applied.json()["status"] == "applied"
    assert applied.json()["summary"]["applied"] == {"new": 1, "missing_locally": 1, "changed": 2}


def test_api_error_shapes(api, example_local, settings):
    pk = api.post("/api/v1/population/imports/", {"file": csv_file()}, format="multipart").json()["id"]
    api.post(f"/api/v1/population/imports/{pk}/apply/")
    before = register_state()

    twice = api.post(f"/api/v1/population/imports/{pk}/apply/")
    assert twice.status_code == 400
    assert set(twice.json()) == {"detail", "code", "errors"}
    assert twice.json()["code"] == "invalid_transition"
    assert twice.json()["detail"].startswith("Ten raport został już zastosowany")
    discard = api.post(f"/api/v1/population/imports/{pk}/discard/")
    assert (discard.status_code, discard.json()["code"]) == (400, "invalid_transition")
    assert register_state() == before

    rejected = api.post("/api/v1/population/imports/", {"file": csv_file(b"PESEL,NAZWISKO\n1,2\n")}, format="multipart")
    assert rejected.status_code == 400
    assert rejected.json() == {
        "detail": "Plik został odrzucony; nic nie zaimportowano.",
        "code": "rejected",
        "errors": {
            "file": ["wiersz 1: błędny nagłówek: kolumny muszą być rozdzielone znakiem ';' (średnik), nie ','."]
        },
    }
    assert CentralImport.objects.filter(status="rejected").count() == 1

    missing = api.post("/api/v1/population/imports/", {}, format="multipart")
    assert (missing.status_code, missing.json()["code"], list(missing.json()["errors"])) == (400, "invalid", ["file"])

    settings.POPULATION_IMPORT_MAX_BYTES = 10
    too_big = api.post("/api/v1/population/imports/", {"file": csv_file()}, format="multipart")
    assert too_big.status_code == 400
    assert too_big.json()["errors"]["file"][0].startswith("Plik jest za duży")

    missing_import = api.get("/api/v1/population/imports/999999/")
    assert missing_import.status_code == 404
    assert missing_import.json() == {"detail": "Nie znaleziono.", "code": "not_found", "errors": {}}
    bad_kind = api.get(f"/api/v1/population/imports/{pk}/", {"kind": "nope"})
    assert (bad_kind.status_code, list(bad_kind.json()["errors"])) == (400, ["kind"])


def test_api_refuses_tax_clerk_and_anonymous(make_user, clerk, example_local):
    from population.sync import central_import_upload

    imp = central_import_upload(actor=clerk, file_name="e.csv", content=example_csv())
    api = APIClient()
    before, imports = register_state(), CentralImport.objects.count()
    assert api.get("/api/v1/population/imports/").status_code == 401
    api.force_authenticate(make_user(roles.TAX_CLERK))
    for method, url in (
        ("get", "/api/v1/population/imports/"),
        ("post", "/api/v1/population/imports/"),
        ("get", f"/api/v1/population/imports/{imp.pk}/"),
        ("post", f"/api/v1/population/imports/{imp.pk}/apply/"),
        ("post", f"/api/v1/population/imports/{imp.pk}/discard/"),
    ):
        response = getattr(api, method)(url, {"file": csv_file()} if method == "post" else None, format="multipart")
        assert response.status_code == 403, url
        assert set(response.json()) == {"detail", "code", "errors"}
    assert (register_state(), CentralImport.objects.count()) == (before, imports)


def test_api_schema_documents_the_import_endpoints(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/population/imports/"])
    assert "multipart/form-data" in paths["/api/v1/population/imports/"]["post"]["requestBody"]["content"]
    assert "get" in paths["/api/v1/population/imports/{id}/"]
    assert "post" in paths["/api/v1/population/imports/{id}/apply/"]
    assert "post" in paths["/api/v1/population/imports/{id}/discard/"]
