"""Settings of the bare-view bound (bench/recovery_http.py): the production settings, plus one
empty view. Selected only by that benchmark with ``DJANGO_SETTINGS_MODULE``; never deployed."""

from educonnect.settings import *  # noqa: F403 - the production settings, unchanged

ROOT_URLCONF = "bench.bare_urls"
