"""Account card, party's accounts, cash payment form and the accounts API: permissions, exact figures, logging."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import AuditEvent
from finance.models import Payment
from tests.factories import PersonFactory
from tests.finance.conftest_accounts import *  # noqa: F403

pytestmark = pytest.mark.django_db
D = Decimal
d = datetime.date


@pytest.fixture
def e3_account(person, property_tax, charge):
    account, _ = charge(person, property_tax, [(d(2025, 5, 15), "1000.00")], value_date=d(2025, 4, 1))
    return account


def test_account_card_shows_balance_as_of_a_date(client, accountant, e3_account):
    client.force_login(accountant)
    response = client.get(reverse("finance:account-detail", args=[e3_account.pk]), {"as_of": "2025-06-24"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "1\xa0000,00\xa0zł" in html
    assert "15,00\xa0zł" in html  # E3 interest
    assert "15.05.2025" in html
    assert AuditEvent.objects.filter(action="finance.account.viewed", object_id=str(e3_account.pk)).exists()


def test_screens_refuse_without_permission(client, nobody, e3_account):
    client.force_login(nobody)
    assert client.get(reverse("finance:account-detail", args=[e3_account.pk])).status_code == 403
    assert client.get(reverse("finance:account-list")).status_code == 403
    assert client.get(reverse("finance:payment-cash")).status_code == 403


def test_account_list_and_party_accounts(client, clerk, person, e3_account):
    client.force_login(clerk)
    response = client.get(reverse("finance:account-list"), {"q": person.surname})
    assert response.status_code == 200
    assert reverse("finance:account-detail", args=[e3_account.pk]) in response.content.decode()
    response = client.get(reverse("finance:party-accounts", args=[person.pk]), {"as_of": "2025-06-24"})
    assert response.status_code == 200
    assert "15,00\xa0zł" in response.content.decode()


def test_cash_payment_form(client, accountant, person, e3_account):
    client.force_login(accountant)
    url = reverse("finance:payment-cash")
    response = client.post(url, {"party": person.pk, "amount": "0", "payment_date": "2025-06-24"})
    assert response.status_code == 422
    assert Payment.objects.count() == 0
    response = client.post(url, {"party": person.pk, "amount": "515.00", "payment_date": "2025-06-24"})
    assert response.status_code == 302
    payment = Payment.objects.get()
    # 515 = 1000 + 15 interest → split 1000:15: 507.39 / 7.61
    assert sorted((e.component, e.amount) for e in payment.entries.filter(kind="allocation")) == [
        ("interest", D("7.61")),
        ("principal", D("507.39")),
    ]


def test_api_account_balance_entries_and_party_balance(accountant, person, e3_account):
    api = APIClient()
    api.force_authenticate(accountant)
    data = api.get(f"/api/v1/finance/accounts/{e3_account.pk}/", {"as_of": "2025-06-24"}).json()
    assert data["balance"]["principal"] == "1000.00"
    assert data["balance"]["interest"] == "15.00"
    assert data["installments"][0]["effective_due_date"] == "2025-05-15"
    assert api.get(f"/api/v1/finance/accounts/{e3_account.pk}/", {"as_of": "24.06.2025"}).status_code == 400
    entries = api.get(f"/api/v1/finance/accounts/{e3_account.pk}/entries/").json()
    assert [e["kind"] for e in entries["results"]] == ["charge"]
    listing = api.get("/api/v1/finance/accounts/", {"party": person.pk}).json()
    assert [a["id"] for a in listing["results"]] == [e3_account.pk]
    total = api.get(f"/api/v1/finance/parties/{person.pk}/balance/", {"as_of": "2025-06-24"}).json()
    assert (total["principal"], total["interest"], total["total_due"]) == ("1000.00", "15.00", "1015.00")
    assert api.get(f"/api/v1/finance/accounts/{e3_account.pk + 999}/").status_code == 404


def test_api_cash_payment(accountant, clerk, person, e3_account):
    api = APIClient()
    api.force_authenticate(clerk)
    body = {"party": person.pk, "amount": "100.00", "payment_date": "2025-05-01"}
    assert api.post("/api/v1/finance/payments/cash/", body, format="json").status_code == 403
    api.force_authenticate(accountant)
    response = api.post("/api/v1/finance/payments/cash/", body, format="json")
    assert response.status_code == 201
    assert [(e["kind"], e["amount"]) for e in response.json()["entries"]] == [("allocation", "100.00")]
    bad = api.post("/api/v1/finance/payments/cash/", {**body, "amount": "-5"}, format="json")
    assert bad.status_code == 400
    assert "amount" in bad.json()["errors"]
    other = PersonFactory()
    response = api.post("/api/v1/finance/payments/cash/", {**body, "party": other.pk}, format="json")
    assert response.status_code == 400
    assert Payment.objects.count() == 1


def test_demo_seeder_charges_and_allocates_once(db):
    from finance.hooks.accounts import seed_demo
    from finance.models import AccountEntry, ObligorAccount

    people = [PersonFactory() for _ in range(5)]
    summary = seed_demo()
    assert summary.startswith("accounts: 5 obligors charged")
    assert ObligorAccount.objects.filter(party__in=people, receivable_type__code="property_tax_person").count() == 5
    assert Payment.objects.filter(status="allocated").count() == Payment.objects.count() > 0
    entries = AccountEntry.objects.count()
    assert seed_demo().startswith("accounts: 0 obligors charged")
    assert AccountEntry.objects.count() == entries


def test_demo_seeder_charges_the_same_first_persons_on_every_run(db):
    """With more persons than DEMO_PEOPLE a second run charges nobody new (it used to take the next ones)."""
    from finance.hooks.accounts import DEMO_PEOPLE, seed_demo
    from finance.models import AccountEntry, ObligorAccount

    [PersonFactory() for _ in range(DEMO_PEOPLE + 5)]
    assert seed_demo().startswith(f"accounts: {DEMO_PEOPLE} obligors charged")
    accounts, entries = ObligorAccount.objects.count(), AccountEntry.objects.count()
    assert seed_demo().startswith("accounts: 0 obligors charged")
    assert (ObligorAccount.objects.count(), AccountEntry.objects.count()) == (accounts, entries)
