from django.apps import AppConfig


class CareteamsConfig(AppConfig):
    name = "joinedup.careteams"
    label = "careteams"
