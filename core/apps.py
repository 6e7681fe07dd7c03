from django.apps import AppConfig
from django.urls import register_converter

from core import converters


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        register_converter(converters.DatabaseIdConverter, "dbid")
        register_converter(converters.TokenConverter, "token")
