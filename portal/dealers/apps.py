from django.apps import AppConfig


class DealersConfig(AppConfig):
    name = "portal.dealers"
    label = "dealers"
    verbose_name = "Dealers"
