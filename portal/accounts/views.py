from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.generic import FormView, ListView, View

from portal.accounts import forms, services
from portal.accounts.lockout import sign_in_failures_clear
from portal.accounts.models import ApiToken, User
from portal.dealers.services import dealer_settings_update
from portal.lib.ids import is_uuid
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


class PasswordResetView(auth_views.PasswordResetView):
    """Anyone may ask; the answer is the same page whether or not the address is a user's here."""

    template_name = "accounts/password_reset.html"
    form_class = forms.PasswordResetForm
    success_url = reverse_lazy("accounts:password-reset-sent")

    def form_valid(self, form):
        # Over the hourly limit: the same answer, and no further email. Within it, the email is only queued (a
        # worker sends it): the answer never waits on the mail server, whose delay would tell users' addresses.
        if services.password_reset_allowed(email=form.cleaned_data["email"]):
            form.save()
        return redirect(self.success_url)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The emailed link. Django's view, with users found by public id (the URL's `uidb64` holds it), and on
    success the sign-in page, where the new password is typed for the first time."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:login")

    def get_user(self, uidb64):
        return User.objects.filter(public_id=uidb64, is_active=True).first() if is_uuid(uidb64) else None

    def render_to_response(self, context, **kwargs):
        if not context.get("validlink"):  # used, expired, or never one: answered like a used reading link
            kwargs["status"] = 404
        return super().render_to_response(context, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        sign_in_failures_clear(email=form.user.email)
        messages.success(self.request, "Your new password is set. Sign in with it.")
        return response


class UserListView(AdminRequiredMixin, ListView):
    template_name = "accounts/user_list.html"
    queryset = User.objects.order_by("-is_active", "email")

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", forms.UserCreateForm())  # post() passes the refused form, with its errors
        return super().get_context_data(**kwargs)

    def post(self, request):
        form = forms.UserCreateForm(request.POST)
        if form.is_valid():
            try:
                services.user_create(**form.cleaned_data)
            except ValidationError as exc:
                form.add_error("password", exc)
            except IntegrityError:  # another admin added the same email a moment ago
                form.add_error("email", "A user with this email exists already.")
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
        fields = [
            "name",
            "reply_to_email",
            "phone",
            "time_zone",
            "toner_alert_percent",
            "discovery_weekdays",
            "discovery_hour",
            "read_hours",
            "status_interval_minutes",
            "technicians_manage_keys",
        ]
        initial = {field: getattr(dealer, field) for field in fields}
        return {**initial, "notification_emails": "\n".join(dealer.notification_emails)}

    def form_valid(self, form):
        dealer_settings_update(dealer=connection.tenant, **form.cleaned_data)
        messages.success(self.request, "Settings saved.")
        return redirect("accounts:settings")
