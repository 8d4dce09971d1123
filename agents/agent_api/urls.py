from django.urls import path

from agents.agent_api import views

app_name = "agent_v1"

urlpatterns = [
    path("enroll", views.EnrollView.as_view(), name="enroll"),
    path("register", views.RegisterView.as_view(), name="register"),
    path("heartbeat", views.HeartbeatView.as_view(), name="heartbeat"),
    path("token", views.TokenView.as_view(), name="token"),
    path("directives", views.DirectivesView.as_view(), name="directives"),
    path("directives/<uuid:directive_id>/result", views.DirectiveResultView.as_view(), name="result"),
    path("directives/<uuid:directive_id>/progress", views.DirectiveProgressView.as_view(), name="progress"),
    path("reads", views.OfflineReadView.as_view(), name="offline-read"),
    path("releases/<str:version>/meterbridge-agent.pyz", views.ReleaseDownloadView.as_view(), name="release"),
]
