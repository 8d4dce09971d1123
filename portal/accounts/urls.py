from django.contrib.auth import views as auth_views
from django.urls import path

from portal.accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password/reset/sent/", views.PasswordResetSentView.as_view(), name="password-reset-sent"),
    # Django's view reads `uidb64`; here it holds the user's public id (see PasswordResetConfirmView).
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("users/", views.UserListView.as_view(), name="users"),
    path("users/<uuid:public_id>/", views.UserUpdateView.as_view(), name="user-update"),
    path("tokens/", views.ApiTokenView.as_view(), name="tokens"),
    path("settings/", views.DealerSettingsView.as_view(), name="settings"),
]
