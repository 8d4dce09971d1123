from django.apps import AppConfig


class MetersConfig(AppConfig):
    name = "meters"
    verbose_name = "Fleet: devices, meters, supplies, alerts"

    def ready(self) -> None:
        from meters import receivers  # noqa: F401 - connects the receivers
