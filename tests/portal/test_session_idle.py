"""The idle rule of a portal session (portal.views.portal_session_active) on pages and on the API, and its writes:
the last activity is stored at most every SESSION_TOUCH_SECONDS, so most page views write no session row."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext

from portal.views import SESSION_LAST_SEEN, SESSION_TOUCH_SECONDS
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def expired() -> str:
    return gettext("Your session expired after a period of inactivity. Please log in again.")


def _session_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT")) and "django_session" in q["sql"]]


@pytest.fixture
def logged_in(browser, settings):
    settings.PORTAL_SESSION_IDLE_SECONDS = 900
    person = PersonFactory()
    start = datetime.datetime.now(datetime.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        browser.login(person.pesel)
        assert browser.client.get("/portal/").status_code == 200  # the first page logs the own-data read once
        browser.person = person
        yield browser, traveller


def test_a_page_view_within_the_touch_step_writes_no_session(logged_in):
    browser, traveller = logged_in
    stored = browser.client.session[SESSION_LAST_SEEN]
    traveller.shift(datetime.timedelta(seconds=SESSION_TOUCH_SECONDS - 1))
    with CaptureQueriesContext(connection) as queries:
        assert browser.client.get("/portal/").status_code == 200
    assert _session_writes(queries.captured_queries) == []
    assert browser.client.session[SESSION_LAST_SEEN] == stored


def test_a_page_view_after_the_touch_step_stores_the_activity(logged_in):
    browser, traveller = logged_in
    stored = browser.client.session[SESSION_LAST_SEEN]
    traveller.shift(datetime.timedelta(seconds=SESSION_TOUCH_SECONDS))
    with CaptureQueriesContext(connection) as queries:
        assert browser.client.get("/portal/").status_code == 200
    assert len(_session_writes(queries.captured_queries)) == 1
    assert browser.client.session[SESSION_LAST_SEEN] == stored + SESSION_TOUCH_SECONDS


def test_never_logged_out_before_the_idle_limit(logged_in):
    browser, traveller = logged_in
    traveller.shift(datetime.timedelta(seconds=SESSION_TOUCH_SECONDS - 1))
    assert browser.client.get("/portal/").status_code == 200  # not stored: within the step
    traveller.shift(datetime.timedelta(seconds=900))  # 15 min after the last request, 15 min 29 s after the stored
    assert browser.client.get("/portal/").status_code == 200


def test_the_api_keeps_an_active_session_alive(logged_in):
    browser, traveller = logged_in
    for _ in range(3):  # 3 × 10 min of API use only
        traveller.shift(datetime.timedelta(minutes=10))
        assert browser.client.get("/api/v1/portal/taxes/").status_code == 200
    assert browser.client.get("/portal/").status_code == 200


def test_the_api_ends_an_idle_session(logged_in):
    browser, traveller = logged_in
    traveller.shift(datetime.timedelta(minutes=16))
    response = browser.client.get("/api/v1/portal/taxes/")
    assert response.status_code == 403
    assert response.json()["detail"] == expired()
    assert "_auth_user_id" not in browser.client.session
    assert browser.client.get("/portal/").status_code == 302  # the page session is gone too


def test_a_token_never_opens_the_portal_api(logged_in):
    """A token (from a password login) does not expire with inactivity: the portal API takes only the session."""
    from rest_framework.authtoken.models import Token

    from core.models import User

    browser, _traveller = logged_in
    user = User.objects.get(pk=browser.client.session["_auth_user_id"])
    token = Token.objects.create(user=user)
    response = browser.client.__class__().get("/api/v1/portal/taxes/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 403
    assert response.json()["detail"] != gettext(
        "Your session expired after a period of inactivity. Please log in again."
    )


def test_an_office_user_gets_the_plain_refusal(client, make_user):
    from core import roles

    client.force_login(make_user(roles.TAX_CLERK, username="clerk-idle"))
    response = client.get("/api/v1/portal/taxes/")
    assert response.status_code == 403
    assert response.json()["detail"] != gettext(
        "Your session expired after a period of inactivity. Please log in again."
    )


def test_the_residents_own_read_is_logged_once_per_login_session(logged_in):
    from core.models import AuditEvent

    browser, _traveller = logged_in
    views = AuditEvent.objects.filter(action="party.viewed", object_id=str(browser.person.pk))
    assert views.count() == 1  # the fixture's first page
    assert views.get().details == {"purpose": "own data"}
    for path in ("/portal/", "/portal/podatki/", "/api/v1/portal/taxes/", "/portal/sprawy/"):
        assert browser.client.get(path).status_code == 200
    assert views.count() == 1
    browser.client.logout()
    browser.login(browser.person.pesel)
    assert browser.client.get("/portal/podatki/").status_code == 200  # a new login session: logged again
    assert views.count() == 2
