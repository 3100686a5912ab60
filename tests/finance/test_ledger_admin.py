"""The finance admin: reference data editable (dated rows add-only once in force, audited), everything booked by
services read-only."""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from core import roles
from core.models import AuditEvent
from finance.models import AccountEntry, FinanceParameter, InterestRate, JournalEntry, PostingRule, RefundOrder
from tests.finance.conftest_ledger import *  # noqa: F403 — fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def superadmin(client, make_user):
    user = make_user(roles.ADMINISTRATOR, username="admin-ledger", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_a_new_interest_rate_is_added_and_audited(client, superadmin, today):
    response = client.post(
        reverse("admin:finance_interestrate_add"),
        {"kind": "standard", "rate": "10.000", "valid_from": "02.04.2026", "legal_basis": "RPP"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rate = InterestRate.objects.get(kind="standard", valid_from=datetime.date(2026, 4, 2))
    assert rate.rate == Decimal("10.000")
    assert AuditEvent.objects.filter(action="finance.reference.added", object_id=str(rate.pk)).count() == 1
    # Not yet in force: can be corrected; a row in force cannot be changed or deleted.
    model_admin = admin.site._registry[InterestRate]
    request = response.wsgi_request
    assert model_admin.has_change_permission(request, rate)
    in_force = InterestRate.objects.get(kind="standard", valid_from=datetime.date(2026, 3, 5))
    assert not model_admin.has_change_permission(request, in_force)
    assert not model_admin.has_delete_permission(request, in_force)
    before = in_force.rate
    client.post(reverse("admin:finance_interestrate_change", args=[in_force.pk]),
                {"kind": "standard", "rate": "1.000", "valid_from": "05.03.2026", "legal_basis": "x"})  # fmt: skip
    in_force.refresh_from_db()
    assert in_force.rate == before
    parameter = FinanceParameter.objects.get(code="interest_minimum")
    assert not admin.site._registry[FinanceParameter].has_change_permission(request, parameter)


def test_posting_rules_are_editable_and_booked_data_read_only(client, superadmin):
    rule = PostingRule.objects.get(event="refund", component="any")
    model_admin = admin.site._registry[PostingRule]
    response = client.get(reverse("admin:finance_postingrule_change", args=[rule.pk]))
    assert response.status_code == 200
    assert model_admin.has_change_permission(response.wsgi_request, rule)
    for model in (AccountEntry, JournalEntry, RefundOrder):
        booked_admin = admin.site._registry[model]
        assert not booked_admin.has_add_permission(response.wsgi_request)
        assert not booked_admin.has_change_permission(response.wsgi_request)
        assert not booked_admin.has_delete_permission(response.wsgi_request)
