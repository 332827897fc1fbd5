from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "joinedup.records"
    label = "records"
    verbose_name = "shared record entries"
