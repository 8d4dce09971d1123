from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "Customers, sites and agents"

    def ready(self) -> None:
        from agents import checks, receivers  # noqa: F401 - registers the system checks, connects the receivers
