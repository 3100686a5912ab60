import pytest

from core import roles
from scripts.i18n import ensure_compiled
from tests.factories import UserFactory


@pytest.fixture(autouse=True, scope="session")
def _compiled_translations():
    """The UI is Polish through gettext: make sure the .mo files exist and are current."""
    ensure_compiled()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def make_user(db):
    """make_user(roles.TAX_CLERK, ...) → a user holding those roles (groups synced by migrate)."""

    def _make(*role_names: str, **kwargs):
        return UserFactory(roles=list(role_names), **kwargs)

    return _make


@pytest.fixture
def admin_user_(make_user):
    return make_user(roles.ADMINISTRATOR, username="admin-test")


@pytest.fixture
def clerk(make_user):
    return make_user(roles.TAX_CLERK, username="referent-test")


@pytest.fixture
def nobody(make_user):
    """A logged-in user with no role at all."""
    return make_user(username="nobody-test")
