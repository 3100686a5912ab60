"""The revenue plan: one line set/amended, the CSV import all or nothing with line errors, idempotent, audited,
refused without finance.manage_budget."""

from decimal import Decimal

import pytest
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent
from finance.domain import rb27s
from finance.models import BudgetPlanLine
from finance.services.budget import budget_plan_import_csv, budget_plan_set
from tests.finance.conftest_budget import *  # noqa: F403

pytestmark = pytest.mark.django_db
D = Decimal

GOOD = (
    "dzial;rozdzial;paragraf;amount;description\n"
    "756;75616;0310;1 250 000,00;Podatek od nieruchomości — osoby fizyczne\n"
    "900;90002;0490;830000.5\n"
    "756;75615;0310;0,00\n"
).encode()


def _plan(year=2026):
    return sorted(BudgetPlanLine.objects.filter(year=year).values_list("dzial", "rozdzial", "paragraf", "amount"))


def test_import_sets_the_plan_and_is_idempotent(accountant):
    assert budget_plan_import_csv(actor=accountant, year=2026, data=GOOD) == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
    }
    expected = [
        ("756", "75615", "0310", D("0.00")),
        ("756", "75616", "0310", D("1250000.00")),
        ("900", "90002", "0490", D("830000.50")),
    ]
    assert _plan() == expected
    line = BudgetPlanLine.objects.get(paragraf="0310", rozdzial="75616")
    assert (line.description, line.updated_by) == ("Podatek od nieruchomości — osoby fizyczne", accountant)
    audits = AuditEvent.objects.filter(action="finance.budget_plan.imported").count()
    assert budget_plan_import_csv(actor=accountant, year=2026, data=GOOD) == {
        "created": 0,
        "updated": 0,
        "unchanged": 3,
    }
    assert _plan() == expected
    assert AuditEvent.objects.filter(action="finance.budget_plan.imported").count() == audits + 1
    # A comma-separated file amending one line; lines not in the file stay.
    changed = b"dzial,rozdzial,paragraf,amount\n900,90002,0490,900000.00\n"
    assert budget_plan_import_csv(actor=accountant, year=2026, data=changed) == {
        "created": 0,
        "updated": 1,
        "unchanged": 0,
    }
    assert _plan()[2] == ("900", "90002", "0490", D("900000.00"))
    assert len(_plan()) == 3
    assert _plan(2027) == []


def test_import_is_all_or_nothing_with_every_bad_line_reported(accountant):
    budget_plan_set(actor=accountant, year=2026, dzial="756", rozdzial="75616", paragraf="0310", amount="10.00")
    lines, audits = _plan(), AuditEvent.objects.count()
    bad = (
        b"dzial;rozdzial;paragraf;amount\n"
        b"756;75616;0310;100,00\n"  # good
        b"75;75616;0310;1\n"  # line 3: dział
        b"756;75716;0320;1\n"  # line 4: rozdział not starting with the dział
        b"756;75616;310;1\n"  # line 5: paragraf
        b"756;75616;0330;-5,00\n"  # line 6: negative
        b"756;75616;0340;abc\n"  # line 7: not a number
        b"756;75616;0310;2\n"  # line 8: twice
        b"756;75616\n"  # line 9: columns
    )
    with pytest.raises(ServiceValidationError) as caught:
        budget_plan_import_csv(actor=accountant, year=2026, data=bad)
    messages = caught.value.errors["file"]
    assert [m.split(":")[0] for m in messages] == [
        (_("Line %(line)d: %(reason)s.") % {"line": n, "reason": ""}).split(":")[0] for n in (3, 4, 5, 6, 7, 8, 9)
    ]
    assert messages[0] == _("Line %(line)d: %(reason)s.") % {
        "line": 3, "reason": _("dział %(value)s must have 3 digits") % {"value": "75"}
    }  # fmt: skip
    assert messages[3] == _("Line %(line)d: %(reason)s.") % {
        "line": 6, "reason": _("amount %(value)s is negative") % {"value": "-5,00"}
    }  # fmt: skip
    assert _plan() == lines
    assert AuditEvent.objects.count() == audits


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"year;amount\n2026;1\n", "format"),
        (b"", "empty"),
        ("dzial;rozdzial;paragraf;amount\n756;75616;0310;1\n".encode("utf-16"), "encoding"),
    ],
)
def test_unknown_format_is_refused(accountant, data, reason):
    rows, errors = rb27s.parse_plan_csv(data)
    assert rows == []
    assert [e.reason for e in errors] == [reason]
    with pytest.raises(ServiceValidationError):
        budget_plan_import_csv(actor=accountant, year=2026, data=data)
    assert BudgetPlanLine.objects.count() == 0


def test_set_line_validates_amends_and_audits(accountant):
    line = budget_plan_set(
        actor=accountant, year=2026, dzial="756", rozdzial="75616", paragraf="0310", amount="1500,50", description="PN"
    )
    assert (line.amount, line.description) == (D("1500.50"), "PN")
    budget_plan_set(actor=accountant, year=2026, dzial="756", rozdzial="75616", paragraf="0310", amount="1600")
    assert _plan() == [("756", "75616", "0310", D("1600.00"))]
    events = AuditEvent.objects.filter(action="finance.budget_plan.set").order_by("seq")
    assert [e.details["amount"] for e in events] == ["1500.50", "1600.00"]
    assert events.last().details["previous"] == "1500.50"
    before = AuditEvent.objects.count()
    with pytest.raises(ServiceValidationError) as caught:
        budget_plan_set(actor=accountant, year=2026, dzial="75", rozdzial="8010", paragraf="03100", amount="-1")
    assert set(caught.value.errors) == {"dzial", "rozdzial", "paragraf", "amount"}
    with pytest.raises(ServiceValidationError) as caught:
        budget_plan_set(actor=accountant, year=2026, dzial="756", rozdzial="80101", paragraf="0310", amount="1.005")
    assert caught.value.errors == {
        "rozdzial": [_("A rozdział starts with the digits of its dział.")],
        "amount": [_("Amounts are in złoty and grosze.")],
    }
    assert AuditEvent.objects.count() == before
    assert _plan() == [("756", "75616", "0310", D("1600.00"))]


def test_plan_refused_without_permission(tax_clerk):
    with pytest.raises(ApplicationError) as caught:
        budget_plan_set(actor=tax_clerk, year=2026, dzial="756", rozdzial="75616", paragraf="0310", amount="1")
    assert caught.value.code == "forbidden"
    with pytest.raises(ApplicationError):
        budget_plan_import_csv(actor=tax_clerk, year=2026, data=GOOD)
    assert BudgetPlanLine.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="finance.budget").exists()


def test_import_service_refuses_a_file_above_the_limit(accountant):
    from finance.services.budget import MAX_PLAN_FILE_BYTES

    data = GOOD + b"\n" * (MAX_PLAN_FILE_BYTES + 1 - len(GOOD))
    audits = AuditEvent.objects.count()
    with pytest.raises(ServiceValidationError) as caught:
        budget_plan_import_csv(actor=accountant, year=2026, data=data)
    assert caught.value.errors == {"file": [_("The file is too large (limit %(mb)s MB).") % {"mb": 2}]}
    assert BudgetPlanLine.objects.count() == 0
    assert AuditEvent.objects.count() == audits
