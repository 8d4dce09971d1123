"""Who may hand out and take back access: licence keys, agents, archiving. Admins, and technicians where the
dealer's settings allow it (Dealer.technicians_manage_keys); others get 403 and see no such buttons."""

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin


class KeyManagerRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    def test_func(self) -> bool:
        return self.request.user.can_manage_keys
