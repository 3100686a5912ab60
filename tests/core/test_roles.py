import pytest
from django.contrib.auth.models import Group

from core import roles
from core.services.roles import roles_sync

pytestmark = pytest.mark.django_db


def test_every_role_exists_as_a_group_with_its_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLE_LABELS)
    tax_clerk = {
        f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=roles.TAX_CLERK).permissions.all()
    }
    assert tax_clerk == roles.declared_permissions(roles.TAX_CLERK)
    assert "core.view_auditevent" not in tax_clerk
    resident = Group.objects.get(name=roles.RESIDENT).permissions.all()
    assert [p.codename for p in resident] == ["use_portal"]


def test_sync_is_idempotent_and_removes_stray_permissions():
    from django.contrib.auth.models import Permission

    group = Group.objects.get(name=roles.ACCOUNTANT)
    group.permissions.add(Permission.objects.get(codename="delete_party"))
    first = roles_sync()
    second = roles_sync()
    assert first == second
    assert not group.permissions.filter(codename="delete_party").exists()


def test_granting_an_unknown_role_or_bad_permission_fails_loudly():
    with pytest.raises(ValueError, match="Unknown role"):
        roles.grant("wizard", "core.view_party")
    with pytest.raises(ValueError, match=r"app_label\.codename"):
        roles.grant(roles.TAX_CLERK, "view_party")
