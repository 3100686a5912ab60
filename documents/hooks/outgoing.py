"""Hooks of the outgoing area (menu entries, demo seeders, event handlers), called from DocumentsConfig.ready."""

from django.apps import apps
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_templates(sender, using="default", **kwargs) -> None:
    """After migrate: insert the shipped document templates whose code has no row yet."""
    from documents.models import DocumentTemplate
    from documents.services.templates import templates_install

    if using != "default" or DocumentTemplate._meta.db_table not in connections[using].introspection.table_names():
        return
    templates_install()


def seed_demo_documents(*, actor, stdout=None) -> str:
    """Demo: a draft reply (pismo ogólne) in the first open demo case that has a party and no documents yet."""
    from documents.models import Case, DocumentTemplate
    from documents.services.outgoing import draft_create
    from documents.services.templates import templates_install

    templates_install()
    template = DocumentTemplate.objects.filter(code="letter", is_active=True).order_by("-version").first()
    case = (
        Case.objects.filter(status__in=[Case.Status.OPEN, Case.Status.REOPENED], outgoing_documents__isnull=True)
        .exclude(parties=None)
        .order_by("pk")
        .first()
    )
    if template is None or case is None:
        return "outgoing: nothing to draft"
    document = draft_create(
        actor=case.owner,
        case=case,
        template=template,
        title=f"Odpowiedź w sprawie {case.mark}",
        recipients=list(case.parties.all()[:1]),
        context={"body": "Uprzejmie informuję, że sprawa jest w toku. Odpowiedź zostanie udzielona w terminie."},
    )
    return f"outgoing: draft {document.pk} in {case.mark}"


def register() -> None:
    from core.demo import register_seeder
    from core.navigation import MenuItem
    from core.navigation import register as menu_register

    post_migrate.connect(
        _install_templates, sender=apps.get_app_config("documents"), dispatch_uid="documents.outgoing.templates"
    )
    menu_register(
        MenuItem(
            "documents-approvals", _("My approvals"), "documents:outgoing-approvals", "documents.approve_document", 34
        )
    )
    register_seeder("documents-outgoing", seed_demo_documents, order=48)
