"""Bank screens and API: permissions, the upload with its job state and summary, statement detail, the unidentified
queue and resolving, virtual accounts, the demo seeder."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from core import roles
from finance import tasks
from finance.hooks.bank import seed_demo
from finance.models import BankProfile, BankStatement, Payment, VirtualAccount
from finance.services.accounts import account_get_or_create, charge_post
from tests.factories import PersonFactory
from tests.finance.conftest_bank import *  # noqa: F403
from tests.finance.conftest_bank import fixture_bytes

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def eager_upload(monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(tasks.import_statement_upload, "delay", lambda *args: tasks.import_statement_upload(*args))
    return django_capture_on_commit_callbacks


def test_pages_need_the_permission(client, make_user, profile_caret):
    client.force_login(make_user(roles.REGISTRY_CLERK, username="k1"))
    for name in ("finance:statement-list", "finance:payment-unidentified-list"):
        assert client.get(reverse(name)).status_code == 403
    api = APIClient()
    api.force_authenticate(make_user(roles.REGISTRY_CLERK, username="k2"))
    assert api.get("/api/v1/finance/statements/").status_code == 403
    assert api.get("/api/v1/finance/payments/unidentified/").status_code == 403


def test_upload_runs_the_job_and_shows_the_summary(client, accountant, profile_caret, eager_upload):
    client.force_login(accountant)
    assert client.get(reverse("finance:statement-list")).status_code == 200
    upload = SimpleUploadedFile("wyciag.sta", fixture_bytes("bank_caret_utf8.sta"))
    with eager_upload(execute=True):
        response = client.post(reverse("finance:statement-list"), {"profile": profile_caret.pk, "file": upload})
    assert response.status_code == 302
    job_url = response["Location"]
    page = client.get(job_url, headers={"HX-Request": "true"})
    html = page.content.decode()
    assert 'data-state="done"' in html
    assert "hx-get" not in html  # finished: no more polling
    assert BankStatement.objects.count() == 1
    statement = BankStatement.objects.get()
    detail = client.get(reverse("finance:statement-detail", args=[statement.pk])).content.decode()
    assert "ŁUKASZ GĘŚLA" in detail
    assert "99,99" in detail
    # another user does not see the job
    other = accountant.__class__.objects.create(username="ktos-inny")
    other.groups.set(accountant.groups.all())
    client.force_login(other)
    assert client.get(job_url).status_code == 404


def test_upload_of_a_bad_file_shows_the_reason(client, accountant, profile_caret, eager_upload):
    client.force_login(accountant)
    bad = fixture_bytes("bank_caret_utf8.sta").replace(b"110,00", b"120,00")
    with eager_upload(execute=True):
        response = client.post(
            reverse("finance:statement-list"),
            {"profile": profile_caret.pk, "file": SimpleUploadedFile("zly.sta", bad)},
        )
    html = client.get(response["Location"]).content.decode()
    assert 'data-state="rejected"' in html
    assert BankStatement.objects.count() == 0


def test_unidentified_queue_and_resolving_by_pesel(client, accountant, profile_caret, pesel_party):
    from finance.models import ReceivableType
    from finance.services.statements import statement_import

    account = account_get_or_create(
        party=pesel_party, receivable_type=ReceivableType.objects.get(code="property_tax_person"), year=2025
    )
    charge_post(
        actor=accountant, account=account, amount=D("500.00"), installments=[(datetime.date(2025, 9, 15), D("500.00"))],
        value_date=datetime.date(2025, 2, 1), description="Decyzja",
    )  # fmt: skip
    statement_import(actor=accountant, profile=profile_caret, data=fixture_bytes("bank_caret_utf8.sta"))
    client.force_login(accountant)
    queue = client.get(reverse("finance:payment-unidentified-list")).content.decode()
    assert "99,99" in queue
    assert "10,01" in queue
    payment = Payment.objects.get(amount=D("10.01"))
    url = reverse("finance:payment-resolve", args=[payment.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"party": "00000000000"}).status_code == 400  # nobody
    response = client.post(url, {"party": "44051401359", "receivable_type": ""})
    assert response.status_code == 302
    payment.refresh_from_db()
    assert (payment.status, payment.party) == ("allocated", pesel_party)


def test_api_upload_list_detail_and_payments(accountant, profile_tilde):
    api = APIClient()
    api.force_authenticate(accountant)
    upload = SimpleUploadedFile("w.sta", fixture_bytes("bank_tilde_cp852.sta"))
    response = api.post("/api/v1/finance/statements/", {"profile": "bank-tilde", "file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    assert (response.data["unidentified"], response.data["debits"], response.data["amount"]) == (3, 1, "425.50")
    again = api.post(
        "/api/v1/finance/statements/",
        {"profile": "bank-tilde", "file": SimpleUploadedFile("w.sta", fixture_bytes("bank_tilde_cp852.sta"))},
        format="multipart",
    )
    assert (again.status_code, again.data["duplicates"]) == (200, 1)
    bad = fixture_bytes("bank_tilde_cp852.sta").replace(b"1405,50", b"1405,51")
    refused = api.post(
        "/api/v1/finance/statements/", {"profile": "bank-tilde", "file": SimpleUploadedFile("b.sta", bad)},
        format="multipart",
    )  # fmt: skip
    assert (refused.status_code, refused.data["code"], refused.data["line"]) == (400, "statement_rejected", 1)
    listing = api.get("/api/v1/finance/statements/").data
    assert listing["count"] == 1
    pk = listing["results"][0]["id"]
    detail = api.get(f"/api/v1/finance/statements/{pk}/").data
    assert [x["match"] for x in detail["lines"]] == ["none", "none", "none", "debit"]
    assert detail["lines"][3]["payment"] is None
    payments = api.get("/api/v1/finance/payments/", {"status": "unidentified", "date_from": "2025-06-20"}).data
    assert payments["count"] == 3
    assert api.get("/api/v1/finance/payments/", {"date_to": "2025-06-19"}).data["count"] == 0
    assert api.get("/api/v1/finance/payments/unidentified/").data["count"] == 3


def test_api_resolve_and_virtual_accounts(accountant, profile_tilde, make_user):
    from finance.models import ReceivableType
    from finance.services.statements import statement_import

    party = PersonFactory()
    account = account_get_or_create(
        party=party, receivable_type=ReceivableType.objects.get(code="property_tax_person"), year=2025
    )
    charge_post(
        actor=accountant, account=account, amount=D("80.00"), installments=[(datetime.date(2025, 9, 15), D("80.00"))],
        value_date=datetime.date(2025, 2, 1), description="Decyzja",
    )  # fmt: skip
    statement_import(actor=accountant, profile=profile_tilde, data=fixture_bytes("bank_tilde_cp852.sta"))
    api = APIClient()
    api.force_authenticate(accountant)
    payment = Payment.objects.get(amount=D("75.50"))
    response = api.post(f"/api/v1/finance/payments/{payment.pk}/resolve/", {"party": party.pk}, format="json")
    assert response.status_code == 200, response.content
    assert (response.data["status"], response.data["party"]) == ("allocated", party.pk)
    again = api.post(f"/api/v1/finance/payments/{payment.pk}/resolve/", {"party": party.pk}, format="json")
    assert again.status_code == 400
    created = api.post("/api/v1/finance/virtual-accounts/", {"party": party.pk}, format="json")
    assert created.status_code == 201
    assert created.data["formatted"].startswith(created.data["nrb"][:2] + " 1020 1026 9876 54")
    assert (
        api.post("/api/v1/finance/virtual-accounts/", {"party": party.pk}, format="json").data["id"]
        == (created.data["id"])
    )
    assert len(api.get("/api/v1/finance/virtual-accounts/", {"party": party.pk}).data) == 1
    assert api.get("/api/v1/finance/virtual-accounts/").status_code == 400
    clerk = APIClient()
    clerk.force_authenticate(make_user(roles.TAX_CLERK, username="ref-bank"))
    assert clerk.get("/api/v1/finance/virtual-accounts/", {"party": party.pk}).status_code == 200
    assert clerk.post("/api/v1/finance/virtual-accounts/", {"party": party.pk}, format="json").status_code == 403


def test_demo_seeder_is_idempotent(accountant):
    from finance.models import ReceivableType

    party = PersonFactory()
    account_get_or_create(party=party, receivable_type=ReceivableType.objects.get(code="waste_fee"), year=2025)
    first = seed_demo()
    assert "1 virtual accounts" in first
    assert BankProfile.objects.filter(code="demo-bank").count() == 1
    assert VirtualAccount.objects.filter(party=party).count() == 1
    assert BankStatement.objects.count() == 1
    seed_demo()
    assert VirtualAccount.objects.count() == 1
    assert BankStatement.objects.count() == 1


def test_printable_virtual_account_snippet(profile_tilde):
    from django.template.loader import render_to_string

    va = VirtualAccount.objects.create(
        nrb="38102010269876540000012345", party=PersonFactory(), profile=profile_tilde, identifier=12345
    )
    html = render_to_string("finance/bank/_virtual_account.html", {"virtual_account": va})
    assert "38 1020 1026 9876 5400 0001 2345" in html
    assert render_to_string("finance/bank/_virtual_account.html", {}).strip() == ""
