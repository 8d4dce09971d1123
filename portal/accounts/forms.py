from django import forms
from django.contrib.auth.forms import AuthenticationForm

from portal.accounts.models import Role, User


class SignInForm(AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True}))


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
        widget=forms.PasswordInput,
        help_text="For 'Get License Key' at a customer's PC. Leave empty to keep it; it is stored hashed.",
    )
    disable_enrollment_password = forms.BooleanField(required=False, label="Turn 'Get License Key' off")
