from django.contrib.auth import views as auth_views
from django.urls import path

from portal.accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password"),
    path("users/", views.UserListView.as_view(), name="users"),
    path("users/<uuid:public_id>/", views.UserUpdateView.as_view(), name="user-update"),
    path("tokens/", views.ApiTokenView.as_view(), name="tokens"),
    path("settings/", views.DealerSettingsView.as_view(), name="settings"),
]
