from rest_framework.permissions import SAFE_METHODS, BasePermission

KEYS_DENIED = (
    "Only admins manage licence keys and agents and archive customers and sites here; an admin can allow "
    "technicians in Dealer settings."
)


class RolePermission(BasePermission):
    """Viewers read; technicians and admins write; views with `admin_only = True` are for admins; the actions a
    viewset names in `key_manager_actions` are for users who may manage keys (User.can_manage_keys)."""

    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and getattr(user, "is_active", False)):
            return False
        if getattr(view, "admin_only", False):
            return user.is_dealer_admin
        if getattr(view, "action", None) in getattr(view, "key_manager_actions", ()) and not user.can_manage_keys:
            self.message = KEYS_DENIED
            return False
        return request.method in SAFE_METHODS or user.can_edit
