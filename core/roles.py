"""Roles are Django groups with explicit permissions.

Each app contributes the permissions its roles need by calling ``grant`` from its AppConfig.ready();
``manage.py sync_roles`` (run by migrate's post_migrate and by the demo seed) makes the groups match.
Core cannot import the apps above it, so this registry is how they tell it what they need.
"""

from collections import defaultdict

from django.utils.translation import gettext_lazy as _

ADMINISTRATOR = "administrator"
HEAD_OF_UNIT = "kierownik"
TAX_CLERK = "referent_podatkowy"
ACCOUNTANT = "ksiegowy"
REGISTRY_CLERK = "kancelaria"
POPULATION_CLERK = "ewidencja_ludnosci"
RESIDENT = "mieszkaniec"

ROLE_LABELS = {
    ADMINISTRATOR: _("Administrator"),
    HEAD_OF_UNIT: _("Head of unit"),
    TAX_CLERK: _("Tax clerk"),
    ACCOUNTANT: _("Accountant"),
    REGISTRY_CLERK: _("Registry clerk"),
    POPULATION_CLERK: _("Population register clerk"),
    RESIDENT: _("Resident (portal)"),
}
STAFF_ROLES = [ADMINISTRATOR, HEAD_OF_UNIT, TAX_CLERK, ACCOUNTANT, REGISTRY_CLERK, POPULATION_CLERK]

_grants: dict[str, set[str]] = defaultdict(set)


def grant(role: str, *permissions: str) -> None:
    """Declare that ``role`` holds ``permissions`` ("app_label.codename")."""
    if role not in ROLE_LABELS:
        raise ValueError(f"Unknown role {role!r}")
    for perm in permissions:
        if "." not in perm:
            raise ValueError(f"Permission must be 'app_label.codename', got {perm!r}")
        _grants[role].add(perm)


def declared_permissions(role: str) -> set[str]:
    return set(_grants[role])


def register_core_permissions() -> None:
    for role in STAFF_ROLES:
        grant(role, "core.access_backoffice", "core.view_party", "core.view_orgunit")
    grant(HEAD_OF_UNIT, "core.add_party", "core.change_party", "core.view_auditevent")
    grant(TAX_CLERK, "core.add_party", "core.change_party")
    grant(REGISTRY_CLERK, "core.add_party", "core.change_party")
    grant(POPULATION_CLERK, "core.add_party", "core.change_party")
    grant(
        ADMINISTRATOR,
        "core.add_party",
        "core.change_party",
        "core.view_auditevent",
        "core.verify_audit_chain",
        "core.view_user",
        "core.add_user",
        "core.change_user",
        "core.add_orgunit",
        "core.change_orgunit",
        "core.view_tercunit",
        "core.add_tercunit",
        "core.change_tercunit",
        "core.view_locality",
        "core.view_street",
        "django_celery_beat.view_periodictask",
        "django_celery_beat.change_periodictask",
    )
    grant(RESIDENT, "core.use_portal")
