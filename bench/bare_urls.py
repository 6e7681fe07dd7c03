"""The portal's URLs plus ``/bench/bare/``: an empty 200 through the whole middleware stack,
the bound of bench/recovery_http.py (loaded only through ``bench.bare_settings``)."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from educonnect.urls import urlpatterns as portal_urlpatterns


@login_not_required
def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), *portal_urlpatterns]
