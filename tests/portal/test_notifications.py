"""Notifications with consent: the preference centre, consent history, nothing sent without consent, due-date
reminders 7 days before and on the day exactly once, failures retried, the file SMS backend."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from core import roles
from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent
from documents.models import Case
from portal.models import CaseStatusSeen, Notification, NotificationConsent
from portal.notify import Message
from portal.notify.backends import FileSmsSender
from portal.services_notifications import consent_set, notifications_run, notify
from tests.factories import CaseFactory, PersonFactory
from tests.finance.conftest_accounts import accountant, charge, property_tax  # noqa: F401

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _backends(settings, tmp_path):
    settings.PORTAL_NOTIFY_FILE_DIR = str(tmp_path / "notifications")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PORTAL_NOTIFY_BOX_BACKEND = "tests.portal.test_notifications.RecordingBox"


class RecordingBox:
    sent: list = []
    fail = False

    def send(self, message):
        if RecordingBox.fail:
            raise RuntimeError("platform unavailable")
        RecordingBox.sent.append(message)
        return "box-1"


@pytest.fixture
def anna(make_user):
    party = PersonFactory(epuap_box="/anna/skrytka")
    return party, make_user(roles.RESIDENT, username="anna-n", party=party)


@pytest.fixture
def jan(make_user):
    party = PersonFactory()
    return party, make_user(roles.RESIDENT, username="jan-n", party=party)


def sms_log(settings):
    from pathlib import Path

    path = Path(settings.PORTAL_NOTIFY_FILE_DIR) / "sms.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def test_consent_is_recorded_with_time_text_and_history(anna):
    party, user = anna
    rows = consent_set(actor=user, party=party, granted={("email", "due_dates")}, email="anna@example.pl")
    assert len(rows) == 1
    row = rows[0]
    assert (row.channel, row.topic, row.granted, row.address) == ("email", "due_dates", True, "anna@example.pl")
    assert row.granted_at is not None
    assert row.withdrawn_at is None
    assert "anna@example.pl" in row.consent_text
    # the same choice again: nothing new
    assert consent_set(actor=user, party=party, granted={("email", "due_dates")}, email="anna@example.pl") == []
    # withdrawal: a new row, the old one kept
    [withdrawn] = consent_set(actor=user, party=party, granted=set())
    assert (withdrawn.granted, withdrawn.granted_at, withdrawn.withdrawn_at is not None) == (
        False,
        row.granted_at,
        True,
    )
    assert NotificationConsent.objects.filter(party=party).count() == 2
    assert AuditEvent.objects.filter(action="portal.consent.changed").count() == 2


def test_invalid_email_or_phone_is_refused_and_nothing_recorded(anna, jan):
    party, user = anna
    with pytest.raises(ServiceValidationError) as err:
        consent_set(actor=user, party=party, granted={("email", "letters"), ("sms", "letters")}, email="x@", phone="12")
    assert err.value.errors["email"] == [gettext("Enter a valid e-mail address.")]
    assert set(err.value.errors) == {"email", "phone"}
    with pytest.raises(ServiceValidationError):  # Jan has no electronic box
        consent_set(actor=jan[1], party=jan[0], granted={("box", "letters")})
    with pytest.raises(ApplicationError):  # nobody changes another resident's consents
        consent_set(actor=jan[1], party=party, granted=set())
    assert NotificationConsent.objects.count() == 0


def test_phone_is_normalised(anna):
    party, user = anna
    [row] = consent_set(actor=user, party=party, granted={("sms", "letters")}, phone="600 100 200")
    assert row.address == "+48600100200"


def test_nothing_is_sent_without_consent_and_withdrawal_stops_sending(anna):
    party, user = anna
    assert notify(party=party, topic="letters", key="k1", subject="S", body="B") == []
    assert Notification.objects.count() == 0
    assert len(mail.outbox) == 0
    consent_set(actor=user, party=party, granted={("email", "letters")}, email="anna@example.pl")
    assert notify(party=party, topic="due_dates", key="k2", subject="S", body="B") == []  # other topic
    [row] = notify(party=party, topic="letters", key="k3", subject="S", body="B")
    assert (row.status, row.channel, row.address) == ("sent", "email", "anna@example.pl")
    assert [m.to for m in mail.outbox] == [["anna@example.pl"]]
    consent_set(actor=user, party=party, granted=set())
    assert notify(party=party, topic="letters", key="k4", subject="S", body="B") == []
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 1


def test_due_date_reminders_7_days_before_and_on_the_day_exactly_once(anna, jan, charge, property_tax, settings):  # noqa: F811
    party, user = anna
    consent_set(actor=user, party=party, granted={("sms", "due_dates"), ("email", "due_dates")},
                email="anna@example.pl", phone="+48 600 100 200")  # fmt: skip
    charge(party, property_tax, [(datetime.date(2026, 3, 17), "123.45"), (datetime.date(2026, 5, 19), "100.00")])
    charge(jan[0], property_tax, [(datetime.date(2026, 3, 17), "50.00")])  # Jan: no consent
    first = notifications_run(today=TODAY)
    second = notifications_run(today=TODAY)
    assert first == {"sent": 2, "failed": 0}
    assert second == {"sent": 0, "failed": 0}
    rows = Notification.objects.order_by("channel")
    assert [(r.channel, r.key, r.status) for r in rows] == [
        ("email", f"due:{rows[0].key.split(':')[1]}:7", "sent"),
        ("sms", rows[0].key, "sent"),
    ]
    assert "17.03.2026" in mail.outbox[0].body
    assert "123,45" in mail.outbox[0].body
    assert sms_log(settings).count("SMS to +48600100200") == 1
    on_day = notifications_run(today=datetime.date(2026, 3, 17))
    assert on_day == {"sent": 2, "failed": 0}
    assert notifications_run(today=datetime.date(2026, 3, 17)) == {"sent": 0, "failed": 0}
    assert sorted(Notification.objects.values_list("key", flat=True)) == sorted(
        [rows[0].key, rows[0].key, rows[0].key[:-1] + "0", rows[0].key[:-1] + "0"]
    )
    assert Notification.objects.filter(party=jan[0]).count() == 0
    assert len(mail.outbox) == 2


def test_failure_is_logged_and_retried_next_run(anna):
    party, user = anna
    consent_set(actor=user, party=party, granted={("box", "case_status")})
    case = CaseFactory()
    case.parties.set([party])
    RecordingBox.sent.clear()
    assert notifications_run(today=TODAY) == {"sent": 0, "failed": 0}  # first seen: remembered only
    assert CaseStatusSeen.objects.get(party=party, case_id=case.pk).status == "open"
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    RecordingBox.fail = True
    try:
        assert notifications_run(today=TODAY) == {"sent": 0, "failed": 1}
    finally:
        RecordingBox.fail = False
    row = Notification.objects.get()
    assert (row.status, row.attempts, row.key) == ("failed", 1, f"case:{case.pk}:v1")
    assert "platform unavailable" in row.error
    assert notifications_run(today=TODAY) == {"sent": 1, "failed": 0}
    row.refresh_from_db()
    assert (row.status, row.attempts, row.error) == ("sent", 2, "")
    assert [m.address for m in RecordingBox.sent] == ["/anna/skrytka"]
    assert notifications_run(today=TODAY) == {"sent": 0, "failed": 0}


def test_the_file_sms_backend_writes_the_message(settings):
    FileSmsSender().send(Message(channel="sms", address="+48600100200", subject="S", body="Rata do zapłaty", key="k"))
    text = sms_log(settings)
    assert "SMS to +48600100200 [k]" in text
    assert "Rata do zapłaty" in text


def test_the_preference_centre_page_saves_and_shows_history(client, anna):
    _party, user = anna
    client.force_login(user)
    url = reverse("portal:notifications")
    assert client.get(url).status_code == 200
    bad = client.post(url, {"c_email_letters": "on", "email": "zly"})
    assert bad.status_code == 400
    assert b'role="alert"' in bad.content
    assert NotificationConsent.objects.count() == 0
    ok = client.post(url, {"c_email_letters": "on", "c_box_due_dates": "on", "email": "anna@example.pl"})
    assert ok.status_code == 302
    assert set(NotificationConsent.objects.values_list("channel", "topic", "granted")) == {
        ("email", "letters", True),
        ("box", "due_dates", True),
    }
    page = client.get(url)
    assert len(page.context["history"]) == 2
    api = client.get("/api/v1/portal/notifications/").json()
    assert sorted((c["channel"], c["topic"]) for c in api["current"]) == [("box", "due_dates"), ("email", "letters")]


def test_another_resident_sees_no_consents_and_anonymous_is_redirected(client, anna, jan):
    consent_set(actor=anna[1], party=anna[0], granted={("box", "letters")})
    client.force_login(jan[1])
    assert client.get(reverse("portal:notifications")).context["history"] == []
    assert client.get("/api/v1/portal/notifications/").json()["history"] == []
    client.logout()
    response = client.get(reverse("portal:notifications"))
    assert response.status_code == 302
    assert "/portal/login/" in response["Location"]


def test_new_letters_are_notified_once_and_only_those_sent_since_the_consent(anna):
    from tests.portal.test_cases import letter

    party, user = anna
    case = CaseFactory()
    case.parties.set([party])
    old = letter(party, case, sent_on=datetime.date(2020, 1, 10))
    consent_set(actor=user, party=party, granted={("email", "letters")}, email="anna@example.pl")
    new = letter(party, case, sent_on=timezone.localdate())
    paper = letter(party, case, channel="post_registered", sent_on=timezone.localdate())
    assert notifications_run() == {"sent": 2, "failed": 0}
    assert notifications_run() == {"sent": 0, "failed": 0}
    keys = sorted(Notification.objects.values_list("key", flat=True))
    assert keys == sorted([f"letter:{new.pk}", f"letter:{paper.pk}"])
    assert f"letter:{old.pk}" not in keys
    bodies = {m.subject: m.body for m in mail.outbox}
    assert len(bodies) == 1  # both letters have the same title
    assert case.mark in mail.outbox[0].body


def test_the_daily_task_runs_the_notifications(anna, settings):
    from portal.tasks import send_notifications

    party, user = anna
    consent_set(actor=user, party=party, granted={("box", "case_status")})
    case = CaseFactory()
    case.parties.set([party])
    assert send_notifications() == {"sent": 0, "failed": 0}
    Case.objects.filter(pk=case.pk).update(status=Case.Status.SUSPENDED)
    RecordingBox.sent.clear()
    assert send_notifications() == {"sent": 1, "failed": 0}
    [message] = RecordingBox.sent
    assert message.subject == gettext("The status of your case %(mark)s has changed") % {"mark": case.mark}


def test_api_sets_the_consents_and_refuses_invalid_data_without_changes(client, anna, make_user):
    _party, user = anna
    client.force_login(user)
    url = "/api/v1/portal/notifications/"
    bad = client.put(
        url, {"granted": [{"channel": "sms", "topic": "letters"}], "phone": "123"}, content_type="application/json"
    )
    assert bad.status_code == 400
    assert "phone" in bad.json()["errors"]
    assert NotificationConsent.objects.count() == 0
    ok = client.put(
        url,
        {"granted": [{"channel": "sms", "topic": "letters"}], "phone": "+48 600-100-200"},
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert [(c["channel"], c["topic"], c["address"]) for c in ok.json()["current"]] == [
        ("sms", "letters", "+48600100200")
    ]
    client.force_login(make_user(roles.TAX_CLERK, username="clerk-n"))
    assert client.get(url).status_code == 403
    assert client.put(url, {"granted": []}, content_type="application/json").status_code == 403
    assert NotificationConsent.objects.count() == 1
