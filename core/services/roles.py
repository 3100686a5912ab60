from django.contrib.auth.models import Group, Permission
from django.db import transaction

from core.roles import ROLE_LABELS, declared_permissions


def roles_sync() -> dict[str, int]:
    """Make each role's group hold exactly the declared permissions. Idempotent."""
    result = {}
    with transaction.atomic():
        for role in ROLE_LABELS:
            group, _created = Group.objects.get_or_create(name=role)
            perms = []
            for dotted in sorted(declared_permissions(role)):
                app_label, codename = dotted.split(".", 1)
                try:
                    perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
                except Permission.DoesNotExist as exc:
                    raise LookupError(f"Role {role}: permission {dotted} does not exist") from exc
            group.permissions.set(perms)
            result[role] = len(perms)
    return result
