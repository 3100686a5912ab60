from rest_framework.permissions import BasePermission


class DenyAll(BasePermission):
    """The default: an endpoint that forgot to declare its permissions refuses everyone."""

    def has_permission(self, request, view):
        return False


def require_perms(*perms: str) -> type[BasePermission]:
    """A permission class requiring an authenticated, active user holding all of ``perms``.

    Usage: ``permission_classes = [require_perms("core.view_party")]``.
    """

    class _HasPerms(BasePermission):
        required = perms

        def has_permission(self, request, view):
            user = request.user
            return bool(user and user.is_authenticated and user.is_active and user.has_perms(perms))

    _HasPerms.__name__ = "HasPerms_" + "_".join(p.replace(".", "_") for p in perms)
    return _HasPerms


def require_perms_by_method(mapping: dict[str, tuple[str, ...]]) -> type[BasePermission]:
    """Like require_perms, with the permissions chosen by HTTP method (e.g. GET → view, POST → add)."""

    class _HasPermsByMethod(BasePermission):
        required = mapping

        def has_permission(self, request, view):
            user = request.user
            if not (user and user.is_authenticated and user.is_active):
                return False
            perms = mapping.get(request.method, mapping.get("*"))
            return perms is not None and user.has_perms(perms)

    return _HasPermsByMethod


class BackOfficeUser(BasePermission):
    """Staff of the office (core.access_backoffice): used for the API schema and docs."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.has_perm("core.access_backoffice"))
