"""Hooks of the intake area (menu entries, demo seeders, event handlers), called from DocumentsConfig.ready."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _

DEMO_LETTERS = [
    # (days ago, channel, sender (first names, surname) or organisation name, title, reference, form)
    (3, "paper", ("Jan", "Kowalski"), "Wniosek o wydanie zaświadczenia o niezaleganiu w podatkach", "", ""),
    (2, "paper", "Spółdzielnia Mieszkaniowa „Zacisze”", "Informacja o nieruchomościach IN-1", "SM/45/2026", "IN-1"),
    (1, "in_person", ("Maria", "Zielińska"), "Skarga na opieszałość", "", ""),
]


def seed_demo(*, actor=None, stdout=None) -> str:
    """A few paper letters (once: an audit event marks the seeding) and the demo ePUAP inbound documents."""
    from django.db import transaction
    from django.utils import timezone

    from core.models import AuditEvent
    from core.services.audit import audit_log
    from documents.services.intake import entry_register, register_pending_inbound, sender_match_or_create

    letters = 0
    if not AuditEvent.objects.filter(action="documents.demo.intake_seeded").exists():
        with transaction.atomic():
            now = timezone.now().replace(hour=9, minute=15, second=0, microsecond=0)
            for days, channel, sender, title, reference, form in DEMO_LETTERS:
                if isinstance(sender, tuple):
                    party, _created = sender_match_or_create(first_names=sender[0], surname=sender[1], actor=actor)
                else:
                    party, _created = sender_match_or_create(name=sender, actor=actor)
                letters += 1
                entry_register(
                    actor=actor,
                    channel=channel,
                    received_at=now - datetime.timedelta(days=days),
                    sender=party,
                    title=title,
                    letter_reference=reference,
                    form_code=form,
                    files=[("skan.pdf", _demo_pdf(title))] if channel == "paper" else [],
                )
            audit_log(actor=actor, action="documents.demo.intake_seeded", object_type="documents.incomingentry")
    inbound = register_pending_inbound()
    return f"{letters} paper letters, {inbound} ePUAP documents registered"


def _demo_pdf(title: str) -> bytes:
    from html import escape

    from weasyprint import HTML

    return HTML(string=f"<h1>{escape(title)}</h1><p>Skan pisma (dane demonstracyjne).</p>").write_pdf()


def register() -> None:
    from core import demo, navigation

    navigation.register(
        navigation.MenuItem(
            "documents-rpw", _("Incoming mail (RPW)"), "documents:intake-entry-list", "documents.register_mail", 40
        )
    )
    navigation.register(
        navigation.MenuItem(
            "documents-email-intake",
            _("E-mail quarantine"),
            "documents:intake-email-list",
            "documents.register_mail",
            41,
        )
    )
    demo.register_seeder("documents-intake", seed_demo, order=45)
