"""Every model registered in the Django admin opens for an administrator (changelist, and add where allowed)."""

import pytest
from django.contrib import admin
from django.urls import reverse

from core import roles


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model", sorted(admin.site._registry, key=lambda m: m._meta.label), ids=lambda m: m._meta.label
)
def test_admin_changelist_opens(client, make_user, model):
    administrator = make_user(roles.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client.force_login(administrator)
    opts = model._meta
    response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert response.status_code == 200
    model_admin = admin.site._registry[model]
    rf_request = response.wsgi_request
    if model_admin.has_add_permission(rf_request):
        assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200
