"""Project package: settings, URLs, WSGI entry point and the Celery application."""

from educonnect.celery import app as celery_app

__all__ = ["celery_app"]
