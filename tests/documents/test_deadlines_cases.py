"""Due dates of cases: the order of precedence, dated rules, and KPA art. 57 shifting over holidays."""

import datetime

import pytest
from django.utils import translation

from core.exceptions import ServiceValidationError
from documents.domain.deadlines import RuleSpec, plan_due_date, rule_in_force
from documents.models import DeadlineRule
from documents.services.deadlines import case_due_date, deadline_rules_sync
from tests.factories import JrwaClassFactory

D = datetime.date

RULES = [
    RuleSpec("kpa", "KPA", 0, 1, D(1960, 10, 1), "art. 35 § 3 KPA"),
    RuleSpec("kpa", "KPA (new)", 0, 2, D(2030, 1, 1), "hypothetical"),
    RuleSpec("certificate", "Cert", 7, 0, D(1960, 10, 1), "art. 217 § 3 KPA"),
]


def test_rule_in_force_takes_the_newest_version_valid_on_the_day():
    assert rule_in_force(RULES, "kpa", D(2026, 3, 2)).name == "KPA"
    assert rule_in_force(RULES, "kpa", D(2030, 1, 1)).name == "KPA (new)"
    assert rule_in_force(RULES, "kpa", D(1950, 1, 1)) is None


def test_plan_precedence_override_procedure_jrwa_procedure_days_none():
    kw = {"opened_on": D(2026, 3, 2), "rules": RULES}
    assert plan_due_date(**kw, override=D(2026, 5, 5), procedure="certificate").date == D(2026, 5, 5)
    assert plan_due_date(**kw, procedure="certificate", jrwa_procedure="kpa").rule.code == "certificate"
    assert plan_due_date(**kw, jrwa_procedure="kpa", jrwa_handling_days=30).rule.code == "kpa"
    plan = plan_due_date(**kw, jrwa_procedure="unknown", jrwa_handling_days=30)
    assert (plan.kind, plan.days) == ("jrwa_days", 30)
    assert plan_due_date(**kw) is None


@pytest.mark.django_db
def test_shipped_rules_are_loaded_at_migrate_and_not_overwritten():
    rule = DeadlineRule.objects.get(code="public_information")
    assert (rule.days, rule.months, rule.legal_basis) == (
        14,
        0,
        "art. 13 ust. 1 ustawy o dostępie do informacji publicznej",
    )
    assert set(DeadlineRule.objects.values_list("code", flat=True)) >= {
        "kpa",
        "kpa_complex",
        "kpa_appeal",
        "certificate",
        "public_information",
        "complaint",
    }
    assert DeadlineRule.objects.get(code="kpa_complex").months == 2
    DeadlineRule.objects.filter(code="certificate").update(name="Changed by the administrator")
    assert deadline_rules_sync() == 0
    assert DeadlineRule.objects.get(code="certificate").name == "Changed by the administrator"


@pytest.fixture
def plain_class(db):
    return JrwaClassFactory(symbol="9990", procedure="", handling_days=None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("procedure", "opened", "due"),
    [
        # 1 month from 3 March 2025 → 3 April 2025 (Thursday)
        ("kpa", D(2025, 3, 3), D(2025, 4, 3)),
        # 14 days from 3 March 2025 → 17 March 2025 (the worked example of §5, a Monday)
        ("public_information", D(2025, 3, 3), D(2025, 3, 17)),
        # 7 days from 30 March 2026 → 6 April 2026, Easter Monday → Tuesday 7 April
        ("certificate", D(2026, 3, 30), D(2026, 4, 7)),
        # 7 days from 29 March 2026 → 5 April 2026, Easter Sunday → Tuesday 7 April
        ("certificate", D(2026, 3, 29), D(2026, 4, 7)),
        # 1 month from 24 November 2026 → 24 December 2026 (holiday from 2025), 25, 26 (Sat), 27 Sun → 28 December
        ("complaint", D(2026, 11, 24), D(2026, 12, 28)),
        # 1 month from 1 December 2026 → 1 January 2027 (holiday, Friday) → Saturday, Sunday → Monday 4 January
        ("kpa_appeal", D(2026, 12, 1), D(2027, 1, 4)),
        # 2 months from 31 December 2026 → 28 February 2027 (no 31st; a Sunday) → Monday 1 March 2027
        ("kpa_complex", D(2026, 12, 31), D(2027, 3, 1)),
        # 14 days from 10 December 2026 → 24 December 2026 → 28 December 2026
        ("public_information", D(2026, 12, 10), D(2026, 12, 28)),
    ],
)
def test_due_date_by_procedure_with_holiday_shift(plain_class, procedure, opened, due):
    date, basis = case_due_date(jrwa=plain_class, opened_on=opened, procedure=procedure)
    assert date == due
    rule = DeadlineRule.objects.filter(code=procedure).order_by("-valid_from").first()
    assert basis == f"{rule.name} ({rule.legal_basis})"


@pytest.mark.django_db
def test_jrwa_procedure_and_days_and_override(plain_class):
    plain_class.procedure = "certificate"
    # 7 days from 17 December 2026 → 24 December 2026 → Monday 28 December
    assert case_due_date(jrwa=plain_class, opened_on=D(2026, 12, 17))[0] == D(2026, 12, 28)
    plain_class.procedure, plain_class.handling_days = "", 30
    date, _basis = case_due_date(jrwa=plain_class, opened_on=D(2026, 3, 2))
    # 30 days from 2 March 2026 → 1 April 2026 (Wednesday)
    assert date == D(2026, 4, 1)
    with translation.override("en"):
        assert case_due_date(jrwa=plain_class, opened_on=D(2026, 3, 2))[1] == "JRWA class 9990: 30 days"
    # the head's date wins and is taken as given (even a Saturday)
    assert case_due_date(jrwa=plain_class, opened_on=D(2026, 3, 2), procedure="kpa", override=D(2026, 3, 14))[0] == D(
        2026, 3, 14
    )
    plain_class.handling_days = None
    assert case_due_date(jrwa=plain_class, opened_on=D(2026, 3, 2)) == (None, "")


@pytest.mark.django_db
def test_unknown_procedure_is_refused(plain_class):
    with pytest.raises(ServiceValidationError) as exc:
        case_due_date(jrwa=plain_class, opened_on=D(2026, 3, 2), procedure="nonsense")
    assert list(exc.value.errors) == ["procedure"]
