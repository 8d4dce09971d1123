"""Mixins for dealer pages: sign-in required everywhere; edits for admins and technicians only."""

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.shortcuts import get_object_or_404


class DealerPageMixin(LoginRequiredMixin):
    pass


class EditorRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    def test_func(self) -> bool:
        return self.request.user.can_edit


class AdminRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    def test_func(self) -> bool:
        return self.request.user.is_dealer_admin


class PublicIdObjectMixin:
    """Objects are addressed by UUID; another dealer's UUID simply does not exist in this schema (404)."""

    model = None
    queryset = None

    def get_object(self, queryset=None):
        queryset = queryset if queryset is not None else self.get_queryset()
        return get_object_or_404(queryset, public_id=self.kwargs["public_id"])

    def get_queryset(self):
        return self.queryset.all() if self.queryset is not None else self.model.objects.all()
