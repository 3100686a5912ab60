"""Cases: opening (ad hoc and from a letter), marks, statuses, re-classification, parties; refusals write nothing."""

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from core import roles
from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent
from documents.models import Case, Counter, IncomingEntry, JrwaClass
from documents.services.cases import (
    ALLOWED_TRANSITIONS,
    allowed_transitions,
    case_add_party,
    case_attach_entry,
    case_open,
    case_reclassify,
    case_transition,
)
from tests.factories import IncomingEntryFactory, PersonFactory

D = datetime.date
S = Case.Status


@pytest.fixture
def c3120(db):
    return JrwaClass.objects.get(version__is_current=True, symbol="3120")


@pytest.fixture
def c1431(db):
    return JrwaClass.objects.get(version__is_current=True, symbol="1431")


def _state():
    return (Case.objects.count(), AuditEvent.objects.count(), list(Counter.objects.values_list("key", "value")))


def _open(actor, unit, jrwa, **kw):
    kw.setdefault("title", "Podatek od nieruchomości 2026")
    kw.setdefault("opened_on", D(2026, 3, 2))
    return case_open(actor=actor, unit=unit, jrwa=jrwa, **kw)


@pytest.mark.django_db
def test_open_ad_hoc_numbers_per_unit_class_year_and_logs(tax_clerk, pd_unit, c3120, c1431):
    first = _open(tax_clerk, pd_unit, c3120)
    second = _open(tax_clerk, pd_unit, c3120, title="Druga")
    other_class = _open(tax_clerk, pd_unit, c1431, title="Wniosek o informację")
    assert [first.mark, second.mark, other_class.mark] == ["PD.3120.1.2026", "PD.3120.2.2026", "PD.1431.1.2026"]
    assert (first.owner, first.opened_by, first.status, first.year) == (tax_clerk, tax_clerk, S.OPEN, 2026)
    # 3120 follows the KPA rule: one month from 2 March 2026 → 2 April 2026
    assert first.due_date == D(2026, 4, 2)
    assert first.due_basis == "Sprawa wymagająca postępowania wyjaśniającego (art. 35 § 3 KPA)"
    # 1431: public information, 14 days → 16 March 2026
    assert other_class.due_date == D(2026, 3, 16)
    event = AuditEvent.objects.get(action="documents.case.opened", object_id=str(first.pk))
    assert event.details["case_id"] == first.pk
    assert event.details["mark"] == "PD.3120.1.2026"
    assert event.object_type == "documents.case"
    assert "pd.3120.1.2026" in Case.objects.get(pk=first.pk).search_text


@pytest.mark.django_db
def test_open_refusals_write_nothing(tax_clerk, fn_unit, pd_unit, c3120, jrwa_3120, nobody, make_user):
    parent = JrwaClass.objects.get(version__is_current=True, symbol="312")
    before = _state()
    with translation.override("en"):
        with pytest.raises(ServiceValidationError) as exc:
            _open(tax_clerk, pd_unit, parent)
        assert exc.value.errors == {"jrwa": ["Cases are registered only in final classes of the current JRWA."]}
        with pytest.raises(ServiceValidationError):
            _open(tax_clerk, pd_unit, jrwa_3120)  # a leaf of a version that is not current
        with pytest.raises(ApplicationError):
            _open(tax_clerk, fn_unit, c3120)  # not his unit, not supervised
        with pytest.raises(ApplicationError):
            _open(tax_clerk, pd_unit, c3120, due_date=D(2026, 5, 1))  # only the head sets the date
        with pytest.raises(ApplicationError):
            _open(nobody, pd_unit, c3120)
        colleague = make_user(roles.TAX_CLERK, username="referent-2", org_unit=pd_unit)
        with pytest.raises(ApplicationError):
            _open(tax_clerk, pd_unit, c3120, owner=colleague)  # only a head names another prowadzący
        with pytest.raises(ServiceValidationError) as exc:
            _open(tax_clerk, pd_unit, c3120, title="  ")
        assert list(exc.value.errors) == ["title"]
        with pytest.raises(ServiceValidationError) as exc:
            _open(tax_clerk, pd_unit, c3120, opened_on=timezone.localdate() + datetime.timedelta(days=1))
        assert list(exc.value.errors) == ["opened_on"]
    assert _state() == before


@pytest.mark.django_db
def test_head_opens_for_a_clerk_of_a_sub_unit_and_sets_the_date(head, tax_clerk, pd_unit, c3120):
    case = _open(head, pd_unit, c3120, owner=tax_clerk, due_date=D(2026, 3, 20))
    assert (case.owner, case.opened_by, case.due_date) == (tax_clerk, head, D(2026, 3, 20))
    assert (
        case.due_basis == "Termin wyznaczony przez kierownika komórki"
        or case.due_basis == "Set by the head of the unit"
    )


@pytest.fixture
def entry(tax_clerk, pd_unit):
    return IncomingEntryFactory(
        assigned_unit=pd_unit,
        assigned_to=tax_clerk,
        status=IncomingEntry.Status.ASSIGNED_CLERK,
        received_at=timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 0)),
        letter_reference="ZN/1/2026",
    )


@pytest.mark.django_db
def test_open_from_entry(tax_clerk, pd_unit, c3120, entry):
    other = PersonFactory()
    case = case_open(actor=tax_clerk, unit=pd_unit, jrwa=c3120, title="Z pisma", entry=entry, parties=[other])
    entry.refresh_from_db()
    assert (entry.status, entry.case) == (IncomingEntry.Status.IN_CASE, case)
    assert case.origin_entry == entry
    assert case.opened_on == timezone.localdate()
    assert set(case.parties.all()) == {entry.sender, other}
    # counted from the day the letter came in: 2 March 2026 + 1 month
    assert case.due_date == D(2026, 4, 2)
    event = AuditEvent.objects.get(action="documents.case.opened")
    assert event.details["document"] == entry.rpw_number
    # a second case from the same letter is refused
    before = _state()
    with pytest.raises(ApplicationError) as exc:
        case_open(actor=tax_clerk, unit=pd_unit, jrwa=c3120, title="Znowu", entry=entry)
    assert exc.value.code == "entry_in_case"
    assert _state() == before


@pytest.mark.django_db
def test_only_the_assignee_or_a_supervisor_opens_from_an_entry(make_user, head, pd_unit, c3120, entry):
    colleague = make_user(roles.TAX_CLERK, username="referent-2", org_unit=pd_unit)
    before = _state()
    with pytest.raises(ApplicationError):
        case_open(actor=colleague, unit=pd_unit, jrwa=c3120, title="Nie moje", entry=entry)
    assert _state() == before
    entry.refresh_from_db()
    assert entry.status == IncomingEntry.Status.ASSIGNED_CLERK
    case = case_open(actor=head, unit=pd_unit, jrwa=c3120, title="Kierownik", entry=entry)
    assert case.owner == head


@pytest.mark.django_db
def test_attach_entry_and_add_party(tax_clerk, pd_unit, c3120, entry, make_user):
    case = _open(tax_clerk, pd_unit, c3120)
    case_attach_entry(actor=tax_clerk, case=case, entry=entry)
    entry.refresh_from_db()
    assert (entry.case, entry.status) == (case, IncomingEntry.Status.IN_CASE)
    assert list(case.parties.all()) == [entry.sender]
    ev = AuditEvent.objects.get(action="documents.case.entry_attached")
    assert ev.details == {"case_id": case.pk, "entry_id": entry.pk, "document": entry.rpw_number}
    party = PersonFactory()
    case_add_party(actor=tax_clerk, case=case, party=party)
    assert set(case.parties.all()) == {entry.sender, party}
    outsider = make_user(roles.TAX_CLERK, username="obcy")
    before = _state()
    with pytest.raises(ApplicationError):
        case_add_party(actor=outsider, case=case, party=PersonFactory())
    with pytest.raises(ServiceValidationError):
        case_add_party(actor=tax_clerk, case=case, party=party)
    assert _state() == before


def test_transition_table_is_the_documented_machine():
    expected = {
        S.OPEN: {S.SUSPENDED, S.CLOSED},
        S.SUSPENDED: {S.OPEN, S.CLOSED},
        S.CLOSED: {S.REOPENED},
        S.REOPENED: {S.SUSPENDED, S.CLOSED},
    }
    assert expected == ALLOWED_TRANSITIONS


@pytest.mark.django_db
def test_status_path_keeps_the_mark(tax_clerk, pd_unit, c3120):
    case = _open(tax_clerk, pd_unit, c3120)
    case_transition(actor=tax_clerk, case=case, to=S.SUSPENDED, on=D(2026, 3, 5))
    assert (case.status, case.suspended_on) == (S.SUSPENDED, D(2026, 3, 5))
    assert allowed_transitions(tax_clerk, case) == [S.CLOSED, S.OPEN]
    case_transition(actor=tax_clerk, case=case, to=S.OPEN)
    assert (case.status, case.suspended_on) == (S.OPEN, None)
    case_transition(actor=tax_clerk, case=case, to=S.CLOSED, on=D(2026, 3, 20), manner="decision")
    case.refresh_from_db()
    assert (case.status, case.closed_on, case.closing_manner) == (S.CLOSED, D(2026, 3, 20), "decision")
    case_transition(actor=tax_clerk, case=case, to=S.REOPENED)
    case.refresh_from_db()
    assert (case.status, case.mark, case.closed_on) == (S.REOPENED, "PD.3120.1.2026", None)
    case_transition(actor=tax_clerk, case=case, to=S.CLOSED, on=D(2026, 4, 1), manner="letter")
    actions = list(AuditEvent.objects.filter(details__case_id=case.pk).order_by("seq").values_list("action", flat=True))
    assert actions == [
        "documents.case.opened",
        "documents.case.suspended",
        "documents.case.resumed",
        "documents.case.closed",
        "documents.case.reopened",
        "documents.case.closed",
    ]
    reopened = AuditEvent.objects.get(action="documents.case.reopened")
    assert reopened.details == {
        "case_id": case.pk,
        "from": "closed",
        "to": "reopened",
        "closed_on": "2026-03-20",
        "manner": "decision",
    }


@pytest.mark.django_db
def test_refused_transitions_write_nothing(tax_clerk, pd_unit, c3120, make_user):
    case = _open(tax_clerk, pd_unit, c3120)
    before = _state()
    with translation.override("en"):
        with pytest.raises(ApplicationError) as exc:
            case_transition(actor=tax_clerk, case=case, to=S.REOPENED)
        assert exc.value.code == "transition_not_allowed"
        with pytest.raises(ServiceValidationError) as exc:
            case_transition(actor=tax_clerk, case=case, to=S.CLOSED)
        assert exc.value.errors == {
            "closed_on": ["Give the date of closing."],
            "manner": ["Choose the manner of closing."],
        }
        with pytest.raises(ServiceValidationError) as exc:
            case_transition(actor=tax_clerk, case=case, to=S.CLOSED, on=D(2026, 3, 1), manner="decision")
        assert list(exc.value.errors) == ["closed_on"]
        outsider = make_user(roles.TAX_CLERK, username="obcy")
        with pytest.raises(ApplicationError):
            case_transition(actor=outsider, case=case, to=S.SUSPENDED)
    assert allowed_transitions(outsider, case) == []
    assert _state() == before
    case.refresh_from_db()
    assert case.status == S.OPEN


@pytest.mark.django_db
def test_reclassify_gives_a_new_mark_and_keeps_the_old(tax_clerk, head, pd_unit, fn_unit, c3120, c1431):
    _open(tax_clerk, pd_unit, c1431, title="Już w 1431")
    case = _open(tax_clerk, pd_unit, c3120)
    case_reclassify(actor=tax_clerk, case=case, jrwa=c1431)
    case.refresh_from_db()
    assert (case.mark, case.number, case.previous_marks) == ("PD.1431.2.2026", 2, ["PD.3120.1.2026"])
    ev = AuditEvent.objects.get(action="documents.case.reclassified")
    assert ev.details == {"case_id": case.pk, "old_mark": "PD.3120.1.2026", "new_mark": "PD.1431.2.2026"}
    # a head moves it to his own unit
    case_reclassify(actor=head, case=case, jrwa=c1431, unit=fn_unit)
    case.refresh_from_db()
    assert (case.mark, case.previous_marks) == ("FN.1431.1.2026", ["PD.3120.1.2026", "PD.1431.2.2026"])
    before = _state()
    with pytest.raises(ApplicationError):
        case_reclassify(
            actor=tax_clerk, case=case, jrwa=c3120, unit=pd_unit
        )  # the owner may not move it to a unit he does not supervise
    assert _state() == before


@pytest.mark.django_db
def test_unique_constraint_makes_a_collision_impossible(tax_clerk, pd_unit, c3120):
    case = _open(tax_clerk, pd_unit, c3120)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(
            unit=pd_unit,
            jrwa=c3120,
            year=2026,
            number=case.number,
            mark="PD.3120.1.2026.X",
            title="Kolizja",
            owner=tax_clerk,
            opened_by=tax_clerk,
            opened_on=D(2026, 3, 2),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(
            unit=pd_unit,
            jrwa=c3120,
            year=2026,
            number=99,
            mark=case.mark,
            title="Kolizja znaku",
            owner=tax_clerk,
            opened_by=tax_clerk,
            opened_on=D(2026, 3, 2),
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two real connections (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_two_clerks_opening_at_once_get_different_numbers(make_user, pd_unit):
    c3120 = JrwaClass.objects.get(version__is_current=True, symbol="3120")
    clerks = [make_user(roles.TAX_CLERK, username=f"rownolegly-{i}", org_unit=pd_unit) for i in range(4)]
    barrier = threading.Barrier(len(clerks))
    marks, errors = [], []

    def work(clerk):
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            marks.append(_open(clerk, pd_unit, c3120, title=f"Równolegle {clerk.username}").mark)
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(c,)) for c in clerks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(marks) == [f"PD.3120.{n}.2026" for n in range(1, 5)]
