from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Meterbridge portal"

    def ready(self) -> None:
        from portal import openapi  # noqa: F401 - registers the schema extensions
