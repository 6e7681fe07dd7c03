from typing import Any

from django.apps import AppConfig
from django.core.cache import caches
from django.core.signals import setting_changed
from django.urls import register_converter

from core import converters


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        register_converter(converters.DatabaseIdConverter, "dbid")
        register_converter(converters.TokenConverter, "token")
        setting_changed.connect(_forget_page_fragments, dispatch_uid="core.page_fragments")


def _forget_page_fragments(**kwargs: Any) -> None:
    """The cached page fragments (settings ``CACHES["fragments"]``) hold the portal's name, its
    URLs and its static files' names: a changed setting (tests) may change any of them."""
    caches["fragments"].clear()
