from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from portal.accounts.lockout import Lockout, sign_in_attempt_begin, sign_in_attempt_failed, sign_in_attempt_succeeded
from portal.accounts.models import Role, User
from portal.accounts.reset_email import password_reset_queue
from portal.lib.forms import EmailListField, time_zone_field

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]
HOURS = [(h, f"{h:02d}:00") for h in range(24)]


class LockoutMixin:
    """Counts each password check against the account and the client address (portal.accounts.lockout); while
    locked, the password is not even checked. `lockout` is set when the form was refused for that."""

    lockout: Lockout | None = None

    def clean(self):
        email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not email or not password:
            return super().clean()  # a missing field: no password is checked, nothing to count
        client = self.request.META.get("REMOTE_ADDR") if self.request else None
        attempt = sign_in_attempt_begin(email=email.strip().lower(), client=client)
        if isinstance(attempt, Lockout):
            self.lockout = attempt
            raise ValidationError(attempt.message(), code="locked")
        try:
            cleaned = super().clean()
        except ValidationError:
            sign_in_attempt_failed(attempt=attempt)
            raise
        sign_in_attempt_succeeded(attempt=attempt)
        return cleaned


class SignInForm(LockoutMixin, AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True}))


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, whose save only queues the email for a worker (portal.accounts.reset_email): the
    answer must not wait on the mail server, or its delay would tell which addresses are users here."""

    def save(self, **_ignored) -> None:
        for user in self.get_users(self.cleaned_data["email"]):  # active, with a usable password
            password_reset_queue(user=user)


class AdminSignInForm(LockoutMixin, AdminAuthenticationForm):
    """The operators' /admin/ sign-in on the central host, under the same lockout."""


class UserCreateForm(forms.Form):
    email = forms.EmailField()
    full_name = forms.CharField(max_length=150, required=False)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.TECHNICIAN)
    password = forms.CharField(widget=forms.PasswordInput, help_text="At least 10 characters; they can change it.")

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError("A user with this email exists already.")
        return email

    def clean(self):
        """The password's reasons next to the email's: one round of corrections, not two."""
        cleaned = super().clean()
        if password := cleaned.get("password"):
            person = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                validate_password(password, user=person)
            except ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class UserUpdateForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "role", "is_active"]


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it, e.g. 'ERP billing import'.")


class DealerSettingsForm(forms.Form):
    name = forms.CharField(max_length=200)
    reply_to_email = forms.EmailField(required=False, help_text="Where customers' replies to reports go.")
    enrollment_password = forms.CharField(
        required=False,
        label="Enrolment password",  # the field's name is the API's; the label is British (docs/wording.md)
        widget=forms.PasswordInput,
        help_text="For 'Get Licence Key' at a customer's PC. Leave empty to keep it; it is stored hashed.",
    )
    disable_enrollment_password = forms.BooleanField(required=False, label="Turn 'Get Licence Key' off")
    phone = forms.CharField(max_length=50, required=False, help_text="Signs the emails your customers get.")
    time_zone = time_zone_field(
        required=False, help_text="Where you work: new sites start in it; change a site's own on its page."
    )
    notification_emails = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Who gets new-device and toner/service alert emails (and report copies), one per line.",
    )
    toner_alert_percent = forms.IntegerField(min_value=1, max_value=90, help_text="Toner at or below this is low.")
    discovery_weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple, help_text="Network discovery, site time."
    )
    discovery_hour = forms.TypedChoiceField(choices=HOURS, coerce=int)
    read_hours = forms.TypedMultipleChoiceField(
        choices=HOURS, coerce=int, widget=forms.CheckboxSelectMultiple, help_text="Meter reads, site time."
    )
    status_interval_minutes = forms.IntegerField(min_value=5, max_value=1440, label="Status scan every (minutes)")
    technicians_manage_keys = forms.BooleanField(
        required=False,
        label="Technicians may manage licence keys and archive",
        help_text="Off: only admins generate and revoke licence keys, switch agents off, and archive or restore "
        "customers and sites.",
    )

    def clean_notification_emails(self):
        field = EmailListField(required=False)
        return field.clean(self.cleaned_data.get("notification_emails", ""))

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("time_zone") and "time_zone" not in self.errors:
            cleaned.pop("time_zone", None)  # not sent (older pages, scripts): the dealer's zone stays as it is
        return cleaned
