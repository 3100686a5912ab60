import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from core.exceptions import NotFoundOrForbidden
from core.models import AuditChainCheck, AuditChainHead, AuditEvent
from core.selectors import access_party_by_id
from core.services.audit import audit_log, audit_verify
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _events(n: int, actor=None) -> list[AuditEvent]:
    return [
        audit_log(actor=actor, action="test.event", object_type="test", object_id=i, details={"i": i}) for i in range(n)
    ]


def _tamper(sql: str, params=()) -> None:
    """Change the log behind the application's back, as an attacker with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
        else:
            cursor.execute("DROP TRIGGER core_auditevent_no_update")
        cursor.execute(sql, params)


def test_events_form_a_chain(clerk):
    events = _events(3, clerk)

    assert [e.seq for e in events] == [1, 2, 3]
    assert events[1].prev_hash == events[0].hash
    assert events[0].prev_hash == "0" * 64
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (3, events[2].hash)
    verdict = audit_verify()
    assert (verdict.ok, verdict.events_checked, verdict.problems) == (True, 3, [])


def test_modified_event_is_detected():
    events = _events(4)
    _tamper("UPDATE core_auditevent SET action = %s WHERE seq = %s", ["test.forged", 2])

    verdict = audit_verify()
    assert verdict.ok is False
    assert verdict.problems == ["event 2: content does not match its hash (modified)"]
    assert events


def test_deleted_event_in_the_middle_is_detected():
    _events(5)
    _tamper("DELETE FROM core_auditevent WHERE seq = %s", [3])

    verdict = audit_verify()
    assert verdict.problems == ["events 3..3 are missing (deleted)", "event 4: previous-hash link broken"]


def test_deleted_tail_is_detected_through_the_chain_head():
    _events(3)
    _tamper("DELETE FROM core_auditevent WHERE seq = %s", [3])

    verdict = audit_verify()
    assert verdict.problems == ["chain head says event 3 is the last, the log ends at 2 (tail deleted)"]


def test_database_refuses_update_of_an_event():
    _events(1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET action = 'x'")
    assert AuditEvent.objects.get().action == "test.event"


def test_orm_refuses_update_and_delete():
    (event,) = _events(1)
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        event.delete()
    event.action = "x"
    with pytest.raises(PermissionError):
        event.save()


def test_audit_verify_command_exit_codes(capsys):
    _events(2)
    call_command("audit_verify")
    assert "Audit log intact: 2 events" in capsys.readouterr().out

    _tamper("UPDATE core_auditevent SET details = %s WHERE seq = 1", ['{"i": 99}'])
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("audit_verify")
    assert AuditChainCheck.objects.filter(ok=False).count() == 1


def _log_then_fail() -> None:
    with transaction.atomic():
        _events(1)
        raise RuntimeError("the service failed after logging")


def test_event_rolls_back_with_the_change():
    with pytest.raises(RuntimeError):
        _log_then_fail()
    assert AuditEvent.objects.count() == 0
    assert audit_verify().ok


def test_reading_a_person_is_logged(clerk):
    party = PersonFactory()

    got = access_party_by_id(user=clerk, party_id=party.pk, purpose="test")

    assert got == party
    event = AuditEvent.objects.get(action="party.viewed")
    assert (event.actor_label, event.object_id, event.details) == (clerk.username, str(party.pk), {"purpose": "test"})


@pytest.mark.parametrize("_case", ["missing", "forbidden", "anonymous"])
def test_access_refusals_look_the_same_and_log_nothing(_case, nobody, clerk):
    from django.contrib.auth.models import AnonymousUser

    party = PersonFactory()
    user, party_id = {
        "missing": (clerk, -1),
        "forbidden": (nobody, party.pk),
        "anonymous": (AnonymousUser(), party.pk),
    }[_case]
    with pytest.raises(NotFoundOrForbidden):
        access_party_by_id(user=user, party_id=party_id)
    assert AuditEvent.objects.filter(action="party.viewed").count() == 0
