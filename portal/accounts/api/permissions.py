from rest_framework.permissions import SAFE_METHODS, BasePermission


class RolePermission(BasePermission):
    """Viewers read; technicians and admins write; views with `admin_only = True` are for admins."""

    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and getattr(user, "is_active", False)):
            return False
        if getattr(view, "admin_only", False):
            return user.is_dealer_admin
        return request.method in SAFE_METHODS or user.can_edit
