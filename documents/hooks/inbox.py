"""Hooks of the inbox area (menu entries, demo seeders, event handlers), called from DocumentsConfig.ready."""

from django.utils.translation import gettext_lazy as _

DEMO_RULES = [  # name, form code, unit symbol, instruction, order
    ("Informacje o nieruchomościach IN-1", "IN-1", "FN", "Wymiar podatku", 10),
    ("Deklaracje DN-1", "DN-1", "FN", "Wymiar podatku", 20),
]
DEMO_HEAD, DEMO_CLERK = "kierownik", "referent"


def seed_rules(*, actor=None, stdout=None) -> str:
    """Standing dekretacja rules of the demo office (before the demo letters are registered). Idempotent."""
    from core.models import OrgUnit
    from documents.models import AssignmentRule

    created = 0
    for name, form_code, unit_symbol, instruction, order in DEMO_RULES:
        unit = OrgUnit.objects.filter(symbol=unit_symbol).first()
        if unit is None:
            continue
        _rule, was_created = AssignmentRule.objects.get_or_create(
            name=name, defaults={"form_code": form_code, "unit": unit, "instruction": instruction, "order": order}
        )
        created += was_created
    return f"{created} assignment rules"


def seed_assignments(*, actor=None, stdout=None) -> str:
    """The demo head passes the letters waiting in his units to the demo clerk (so his inbox is not empty)."""
    from django.contrib.auth import get_user_model

    from documents.models import IncomingEntry
    from documents.selectors import units_supervised_by
    from documents.services.assignment import assign_to_clerk

    users = {u.username: u for u in get_user_model().objects.filter(username__in=(DEMO_HEAD, DEMO_CLERK))}
    head, clerk = users.get(DEMO_HEAD), users.get(DEMO_CLERK)
    if head is None or clerk is None:
        return "no demo head or clerk"
    waiting = IncomingEntry.objects.filter(
        status=IncomingEntry.Status.ASSIGNED_UNIT, assigned_unit_id__in=units_supervised_by(head)
    ).order_by("pk")
    done = 0
    for entry in waiting:
        assign_to_clerk(actor=head, entry=entry, clerk=clerk, instruction="Proszę o załatwienie.")
        done += 1
    return f"{done} letters assigned to {clerk.username}"


def register() -> None:
    from core.demo import register_seeder
    from core.navigation import MenuItem
    from core.navigation import register as menu_register

    menu_register(MenuItem("documents-inbox", _("My inbox"), "documents:inbox", "documents.handle_case", 30))
    menu_register(MenuItem("documents-queue", _("Unit's queue"), "documents:queue", "documents.supervise_unit", 31))
    menu_register(
        MenuItem(
            "documents-deadlines", _("Deadline report"), "documents:deadline-report", "documents.supervise_unit", 36
        )
    )
    menu_register(
        MenuItem(
            "documents-assignment-rules",
            _("Assignment rules"),
            "documents:assignment-rules",
            "documents.register_mail",
            44,
        )
    )
    register_seeder("documents-assignment-rules", seed_rules, order=44)
    register_seeder("documents-assignments", seed_assignments, order=46)
