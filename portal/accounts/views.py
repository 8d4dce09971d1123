from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.db import connection
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.generic import FormView, ListView, View

from portal.accounts import forms, services
from portal.accounts.models import ApiToken, User
from portal.dealers.services import dealer_settings_update
from portal.lib.views import AdminRequiredMixin, DealerPageMixin


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    authentication_form = forms.SignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.lockout is not None:  # the form again, with when to try again; 429 for scripts
            response.status_code = 429
            response["Retry-After"] = str(form.lockout.seconds_left())
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        messages.success(self.request, "Your password was changed.")
        return super().form_valid(form)


class UserListView(AdminRequiredMixin, ListView):
    template_name = "accounts/user_list.html"
    queryset = User.objects.order_by("-is_active", "email")

    def get_context_data(self, **kwargs):
        return super().get_context_data(form=forms.UserCreateForm(), **kwargs)

    def post(self, request):
        form = forms.UserCreateForm(request.POST)
        if form.is_valid():
            try:
                services.user_create(**form.cleaned_data)
            except ValidationError as exc:
                form.add_error("password", exc)
        if not form.is_valid():
            self.object_list = self.get_queryset()
            return render(request, self.template_name, self.get_context_data(form=form))
        messages.success(request, f"{form.cleaned_data['email']} can now sign in here.")
        return redirect("accounts:users")


class UserUpdateView(AdminRequiredMixin, View):
    def post(self, request, public_id):
        user = get_object_or_404(User, public_id=public_id)
        form = forms.UserUpdateForm(request.POST, instance=user)
        if user == request.user:
            messages.error(request, "You cannot change your own role or deactivate yourself.")
        elif form.is_valid():
            services.user_update(user=user, **form.cleaned_data)
            messages.success(request, f"Saved {user.email}.")
        return redirect("accounts:users")


class ApiTokenView(DealerPageMixin, View):
    template_name = "accounts/api_tokens.html"

    def get(self, request, form=None, new_token=None):
        tokens = ApiToken.objects.filter(user=request.user)
        context = {"tokens": tokens, "form": form or forms.ApiTokenForm(), "new_token": new_token}
        return render(request, self.template_name, context)

    def post(self, request):
        if revoke := request.POST.get("revoke"):
            token = get_object_or_404(ApiToken, public_id=revoke, user=request.user)
            services.api_token_revoke(token=token)
            messages.success(request, f"Token {token.name} revoked.")
            return redirect("accounts:tokens")
        form = forms.ApiTokenForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form)
        _token, text = services.api_token_create(user=request.user, name=form.cleaned_data["name"])
        return self.get(request, new_token=text)


class DealerSettingsView(AdminRequiredMixin, FormView):
    template_name = "accounts/dealer_settings.html"
    form_class = forms.DealerSettingsForm

    def get_initial(self):
        dealer = connection.tenant
        fields = ["name", "reply_to_email", "phone", "toner_alert_percent", "discovery_weekdays", "discovery_hour",
                  "read_hours", "status_interval_minutes", "technicians_manage_keys"]  # fmt: skip
        initial = {field: getattr(dealer, field) for field in fields}
        return {**initial, "notification_emails": "\n".join(dealer.notification_emails)}

    def form_valid(self, form):
        dealer_settings_update(dealer=connection.tenant, **form.cleaned_data)
        messages.success(self.request, "Settings saved.")
        return redirect("accounts:settings")
