"""Editing a document template in the admin adds a version; an invalid body is refused with nothing written."""

import pytest
from django.urls import reverse

from core import roles
from core.models import AuditEvent
from documents.models import DocumentTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(roles.ADMINISTRATOR, is_staff=True, is_superuser=True))
    return client


def _post(admin_client, template, body):
    return admin_client.post(
        reverse("admin:documents_documenttemplate_change", args=[template.pk]),
        {"name": template.name, "body": body, "is_active": "on"},
    )


def test_change_creates_a_new_version_and_keeps_the_old(admin_client):
    old = DocumentTemplate.objects.get(code="letter", is_active=True)
    response = _post(admin_client, old, "<p>Nowa treść {{ body }}</p>")
    assert response.status_code == 302
    versions = list(DocumentTemplate.objects.filter(code="letter").order_by("version"))
    assert [(v.version, v.is_active) for v in versions] == [(old.version, False), (old.version + 1, True)]
    assert versions[0].body == old.body
    assert versions[1].body == "<p>Nowa treść {{ body }}</p>"
    assert AuditEvent.objects.filter(action="documents.template.versioned").count() == 1


def test_invalid_body_is_refused_and_nothing_changes(admin_client):
    old = DocumentTemplate.objects.get(code="letter", is_active=True)
    before = AuditEvent.objects.count()
    response = _post(admin_client, old, "<p>{% if %}</p>")
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert DocumentTemplate.objects.filter(code="letter").count() == 1
    assert AuditEvent.objects.count() == before
