"""Portal: pay online — order → simulated gateway → signed asynchronous callback → finance payment."""

import datetime
import json
import re
import threading
import urllib.parse
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext

from core import roles
from core.models import AuditEvent
from finance.gateway_sim import notify, signing
from finance.models import AccountEntry, GatewayTransaction, Payment, PaymentOrder, ReceivableType
from finance.services.virtual_accounts import virtual_account_for
from finance.tasks_gateway import gateway_notify
from tests.factories import PersonFactory
from tests.finance.conftest_bank import profile_tilde  # noqa: F401
from tests.portal.pay_helpers import GatewayTransport, charge, post_callback, resident

D = Decimal
WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
START = datetime.datetime(2026, 3, 10, 23, 56, tzinfo=WARSAW)


@pytest.fixture
def accountant(make_user):
    return make_user(roles.ACCOUNTANT, username="ksiegowa-pay")


@pytest.fixture
def transport(monkeypatch):
    transport = GatewayTransport()
    monkeypatch.setattr(notify, "get_transport", lambda: transport)
    return transport


@pytest.fixture
def anna(db, make_user, accountant):
    """A resident with property tax 2026 in three installments of 100.00 and a waste fee of 57.00."""
    person = PersonFactory()
    user = resident(make_user, person, "anna-pay")
    tax = charge(
        person, "property_tax_person",
        [(datetime.date(2026, 3, 16), "100.00"), (datetime.date(2026, 5, 15), "100.00"),
         (datetime.date(2026, 9, 15), "100.00")],
        actor=accountant, year=2026,
    )  # fmt: skip
    waste = charge(person, "waste_fee", [(datetime.date(2026, 3, 31), "57.00")], actor=accountant, year=2026)
    return {"person": person, "user": user, "tax": tax, "waste": waste}


def _inst(account, number: int):
    return account.entries.get(kind=AccountEntry.Kind.CHARGE).installments.get(number=number)


def _counts():
    return (
        Payment.objects.count(), AccountEntry.objects.count(), AuditEvent.objects.count(),
        PaymentOrder.objects.filter(status=PaymentOrder.Status.PENDING).count(),
    )  # fmt: skip


def _order(client, keys) -> tuple[PaymentOrder, str]:
    response = client.post("/portal/platnosci/", {"items": keys})
    assert response.status_code == 302, response.content[:500]
    order = PaymentOrder.objects.latest("id")
    return order, response["Location"]


def _to_bank(client, gateway_url: str, bank: str = "pko") -> str:
    parsed = urllib.parse.urlsplit(gateway_url)
    page = client.get(parsed.path + "?" + parsed.query)
    assert page.status_code == 200
    assert "PKO Bank Polski" in page.content.decode()
    response = client.post(parsed.path, {"bank": bank})
    assert response.status_code == 302
    return response["Location"]


def _confirm(client, bank_url: str, action: str, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(gateway_notify, "delay", lambda pk: None)  # the worker runs it later (called below)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(bank_url, {"action": action})
    assert len(callbacks) == 1
    return response


def test_pay_one_installment_end_to_end(client, anna, transport, django_capture_on_commit_callbacks, monkeypatch):
    first, second = _inst(anna["tax"], 1), _inst(anna["tax"], 2)
    client.force_login(anna["user"])
    with time_machine.travel(START, tick=False):
        page = client.get("/portal/platnosci/")
        assert page.status_code == 200
        html = page.content.decode()
        assert f'value="i:{first.pk}"' in html
        assert f'value="i:{second.pk}"' in html
        order, gateway_url = _order(client, [f"i:{first.pk}"])
        assert order.amount == D("100.00")
        assert order.party == anna["person"]
        assert order.status == PaymentOrder.Status.PENDING
        assert order.indicated_type.code == "property_tax_person"
        assert gateway_url.startswith(f"/sim/platnosci/{order.token}/?")
        bank_url = _to_bank(client, gateway_url)
        response = _confirm(client, bank_url, "pay", django_capture_on_commit_callbacks, monkeypatch)
        result_url = f"http://testserver/portal/platnosci/{order.token}/wynik/"
        assert response.status_code == 302
        assert response["Location"] == result_url
        tx = GatewayTransaction.objects.get(merchant_order=order.token)
        assert tx.status == GatewayTransaction.Status.AUTHORISED
        assert tx.bank == "pko"
        assert tx.authorised_at == START
        pending = client.get(f"/portal/platnosci/{order.token}/wynik/")
        assert 'http-equiv="refresh"' in pending.content.decode()
        assert 'data-status="pending"' in pending.content.decode()
        assert Payment.objects.count() == 0

    # the worker delivers the callback after midnight: the payment date is still the authorisation day
    with time_machine.travel(START + datetime.timedelta(minutes=6), tick=False):
        assert gateway_notify(tx.pk) is True
    assert len(transport.calls) == 1
    url, body, headers = transport.calls[0]
    assert url == "http://testserver/portal/platnosci/powiadomienie/"
    assert headers[notify.SIGNATURE_HEADER] == signing.sign(body)
    data = json.loads(body)
    assert data["amount"] == "100.00"
    assert data["status"] == "authorised"
    assert data["order"] == order.token

    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.PAID
    assert order.transaction_id == tx.transaction_id
    payment = order.payment
    assert payment.amount == D("100.00")
    assert payment.payment_date == datetime.date(2026, 3, 10)
    assert payment.status == Payment.Status.ALLOCATED
    assert payment.source == Payment.Source.BANK
    assert payment.indicated_type.code == "property_tax_person"
    allocations = list(payment.entries.filter(kind=AccountEntry.Kind.ALLOCATION).values_list(
        "installment_id", "component", "amount", "value_date"))  # fmt: skip
    assert allocations == [(first.pk, "principal", D("100.00"), datetime.date(2026, 3, 10))]
    assert not payment.entries.filter(kind=AccountEntry.Kind.OVERPAYMENT).exists()
    assert AuditEvent.objects.filter(action="finance.online_payment.paid", object_id=str(order.pk)).count() == 1

    tx.refresh_from_db()
    assert tx.notified_at is not None
    assert tx.notify_attempts == 1

    with time_machine.travel(START + datetime.timedelta(minutes=7), tick=False):
        done = client.get(f"/portal/platnosci/{order.token}/wynik/").content.decode()
    assert 'data-status="paid"' in done
    assert 'http-equiv="refresh"' not in done
    assert "10.03.2026" in done
    assert "100,00\xa0zł" in done

    # a repeated callback (the same transaction) creates nothing new
    before = _counts()
    assert post_callback(Client(), body).status_code == 200
    assert gateway_notify(tx.pk) is True  # already confirmed: not sent again
    assert len(transport.calls) == 1
    assert _counts() == before


def test_callback_with_bad_signature_is_refused_and_changes_nothing(client, anna):
    client.force_login(anna["user"])
    order, _url = _order(client, [f"i:{_inst(anna['tax'], 1).pk}"])
    body = {
        "order": order.token, "transaction_id": "SIM-X1", "status": "authorised", "amount": "100.00",
        "currency": "PLN", "authorised_at": "2026-03-10T12:00:00+01:00", "bank": "pko",
    }  # fmt: skip
    before = _counts()
    assert post_callback(Client(), body, signature="0" * 64).status_code == 400
    assert post_callback(Client(), body, signature="").status_code == 400
    raw = json.dumps(body).encode()
    assert post_callback(Client(), raw + b" ", signature=signing.sign(raw)).status_code == 400
    assert _counts() == before
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.PENDING
    assert order.transaction_id == ""


def test_callback_with_another_amount_is_refused_and_logged(client, anna):
    client.force_login(anna["user"])
    order, _url = _order(client, [f"i:{_inst(anna['tax'], 1).pk}"])
    payments, entries, audits = Payment.objects.count(), AccountEntry.objects.count(), AuditEvent.objects.count()
    body = {
        "order": order.token, "transaction_id": "SIM-X2", "status": "authorised", "amount": "10.00",
        "currency": "PLN", "authorised_at": order.created_at.isoformat(), "bank": "pko",
    }  # fmt: skip
    response = post_callback(Client(), body)
    assert response.status_code == 400
    assert (Payment.objects.count(), AccountEntry.objects.count()) == (payments, entries)
    assert AuditEvent.objects.count() == audits + 1
    event = AuditEvent.objects.latest("id")
    assert event.action == "finance.online_payment.callback_refused"
    assert event.details["reason"] == "amount differs from the order"
    assert event.details["amount"] == "10.00"
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.PENDING


def test_rejected_payment_creates_nothing_in_finance(
    client, anna, transport, django_capture_on_commit_callbacks, monkeypatch
):
    client.force_login(anna["user"])
    order, gateway_url = _order(client, [f"i:{_inst(anna['waste'], 1).pk}"])
    assert order.amount == D("57.00")
    assert order.indicated_type.code == "waste_fee"
    bank_url = _to_bank(client, gateway_url, bank="pko")
    response = _confirm(client, bank_url, "reject", django_capture_on_commit_callbacks, monkeypatch)
    assert response.status_code == 200
    assert gettext("Payment rejected") in response.content.decode()
    payments, entries = Payment.objects.count(), AccountEntry.objects.count()
    tx = GatewayTransaction.objects.get(merchant_order=order.token)
    assert gateway_notify(tx.pk) is True
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.FAILED
    assert order.payment is None
    assert order.transaction_id == tx.transaction_id
    assert (Payment.objects.count(), AccountEntry.objects.count()) == (payments, entries)
    page = client.get(f"/portal/platnosci/{order.token}/wynik/").content.decode()
    assert 'data-status="failed"' in page
    # a late "authorised" for the same order with another transaction is refused
    body = {
        "order": order.token, "transaction_id": "SIM-OTHER", "status": "authorised", "amount": "57.00",
        "currency": "PLN", "authorised_at": order.created_at.isoformat(), "bank": "pko",
    }  # fmt: skip
    assert post_callback(Client(), body).status_code == 400
    assert Payment.objects.count() == payments


def test_another_resident_cannot_see_or_pay_someone_elses_order(client, anna, make_user, accountant):
    client.force_login(anna["user"])
    order, _url = _order(client, [f"i:{_inst(anna['tax'], 1).pk}"])
    other_person = PersonFactory()
    other = resident(make_user, other_person, "bartek-pay")
    charge(other_person, "waste_fee", [(datetime.date(2026, 3, 31), "40.00")], actor=accountant, year=2026)
    intruder = Client()
    intruder.force_login(other)
    assert intruder.get(f"/portal/platnosci/{order.token}/wynik/").status_code == 404
    assert intruder.get("/portal/platnosci/nonexistent0000/wynik/").status_code == 404
    assert intruder.get(f"/api/v1/portal/platnosci/zlecenia/{order.token}/").status_code == 404
    assert order.token not in intruder.get("/portal/platnosci/").content.decode()
    # paying someone else's installment: not among the intruder's dues → refused, no order
    orders = PaymentOrder.objects.count()
    response = intruder.post("/portal/platnosci/", {"items": [f"i:{_inst(anna['tax'], 2).pk}"]})
    assert response.status_code == 400
    assert gettext("Some of the chosen items are no longer due. Refresh the list and choose again.") in (
        response.content.decode()
    )
    api = intruder.post(
        "/api/v1/portal/platnosci/zlecenia/",
        {"items": [f"i:{_inst(anna['tax'], 2).pk}"]},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert PaymentOrder.objects.count() == orders
    # the owner still sees it
    assert client.get(f"/api/v1/portal/platnosci/zlecenia/{order.token}/").json()["status"] == "pending"


def test_nothing_chosen_shows_an_error_summary(client, anna):
    client.force_login(anna["user"])
    before = (PaymentOrder.objects.count(), AuditEvent.objects.count())
    response = client.post("/portal/platnosci/", {})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert 'href="#items-fieldset"' in html
    assert gettext("Choose at least one item.") in html
    assert 'aria-describedby="error-summary"' in html
    # the page itself reads the resident's party (logged) but writes no order
    assert PaymentOrder.objects.count() == before[0]


def test_pay_everything_due(client, anna):
    client.force_login(anna["user"])
    with time_machine.travel(datetime.datetime(2026, 4, 1, 12, 0, tzinfo=WARSAW), tick=False):
        response = client.post("/portal/platnosci/", {"scope": "all_due"})
    assert response.status_code == 302
    order = PaymentOrder.objects.latest("id")
    keys = [item["key"] for item in order.items]
    assert keys == [f"i:{_inst(anna['tax'], 1).pk}", f"i:{_inst(anna['waste'], 1).pk}"]
    interest = sum(D(item["interest"]) for item in order.items)
    assert order.amount == D("157.00") + interest
    assert order.indicated_type is None  # two receivable types: no indication


def test_transfer_details_show_the_individual_account_and_qr(client, anna, profile_tilde, settings):  # noqa: F811
    settings.FINANCE_CREDITOR_NIP = "1234563218"
    account = virtual_account_for(party=anna["person"], profile=profile_tilde)
    client.force_login(anna["user"])
    with time_machine.travel(START, tick=False):
        html = client.get("/portal/platnosci/").content.decode()
        api = client.get("/api/v1/portal/platnosci/").json()
    grouped = " ".join([account.nrb[:2], *(account.nrb[i : i + 4] for i in range(2, 26, 4))])
    assert grouped in html
    assert html.count('data-testid="transfer"') == 1  # one obligor-level account for both receivables
    assert "357,00\xa0zł" in html
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+"', html)
    assert api["total"] == "357.00"
    assert [i["amount"] for i in api["items"]] == ["100.00", "57.00", "100.00", "100.00"]
    assert api["transfers"][0]["account"] == account.nrb
    assert api["transfers"][0]["qr_payload"].startswith(f"1234563218|PL|{account.nrb}|035700|")


def test_api_order_create_returns_the_gateway_url(client, anna):
    client.force_login(anna["user"])
    key = f"i:{_inst(anna['tax'], 3).pk}"
    response = client.post("/api/v1/portal/platnosci/zlecenia/", {"items": [key]}, content_type="application/json")
    assert response.status_code == 201
    data = response.json()
    order = PaymentOrder.objects.get(token=data["order"])
    assert data["amount"] == "100.00"
    assert data["status"] == "pending"
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(data["redirect_url"]).query))
    assert query["amount"] == "100.00"
    assert query["order"] == order.token
    assert query["notify_url"] == "http://testserver/portal/platnosci/powiadomienie/"
    assert signing.valid(signing.canonical(query), query["sig"])
    assert AuditEvent.objects.filter(action="finance.online_payment.ordered", object_id=str(order.pk)).count() == 1


def test_pages_and_api_refuse_users_without_the_portal_permission(client, anna, make_user):
    nobody = make_user(username="nobody-pay")
    client.force_login(nobody)
    before = (PaymentOrder.objects.count(), AuditEvent.objects.count())
    assert client.get("/portal/platnosci/").status_code == 403
    assert client.post("/portal/platnosci/", {"items": ["i:1"]}).status_code == 403
    assert client.get("/api/v1/portal/platnosci/").status_code == 403
    assert client.post("/api/v1/portal/platnosci/zlecenia/", {"items": ["i:1"]}).status_code == 403
    assert (PaymentOrder.objects.count(), AuditEvent.objects.count()) == before
    anonymous = Client()
    response = anonymous.get("/portal/platnosci/")
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/login/")


def test_service_refuses_paying_for_another_party(anna, make_user):
    from core.exceptions import ApplicationError
    from finance.services.online_payments import payment_order_create

    other = resident(make_user, PersonFactory(), "cezary-pay")
    before = (PaymentOrder.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError):
        payment_order_create(actor=other, party=anna["person"], keys=[f"i:{_inst(anna['tax'], 1).pk}"])
    assert (PaymentOrder.objects.count(), AuditEvent.objects.count()) == before
    assert ReceivableType.objects.filter(code="property_tax_person").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_concurrent_callbacks_create_one_payment(make_user, accountant):
    from finance.services.online_payments import payment_order_create

    person = PersonFactory()
    user = resident(make_user, person, "dorota-pay")
    due = timezone.localdate() + datetime.timedelta(days=10)
    account = charge(person, "waste_fee", [(due, "80.00")], actor=accountant, year=due.year)
    order = payment_order_create(actor=user, party=person, keys=[f"i:{_inst(account, 1).pk}"])
    body = json.dumps({
        "order": order.token, "transaction_id": "SIM-CONCURRENT", "status": "authorised", "amount": "80.00",
        "currency": "PLN", "authorised_at": order.created_at.isoformat(), "bank": "pko",
    }).encode()  # fmt: skip
    barrier, answers = threading.Barrier(4), []

    def send():
        try:
            barrier.wait()
            answers.append(post_callback(Client(), body).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [200, 200, 200, 200]
    assert Payment.objects.filter(party=person).count() == 1
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.PAID
    assert AccountEntry.objects.filter(payment=order.payment, kind=AccountEntry.Kind.ALLOCATION).count() == 1
