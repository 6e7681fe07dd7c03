"""Steady load on a real gunicorn, and the bookkeeping the fault tests judge it by.

``Load`` sends a fixed number of *actions* per second from a thread pool, each one a family's
visit: a plain page, or a form (GET for the CSRF cookie and token, then POST) that makes the
portal send an SMS or an e-mail: a lost password by SMS or by e-mail, a lost identifier by SMS.
Each message-sending action uses a parent account no other action used (``ParentPool``), so
its message is found by destination alone, and each action comes from its own client address
(``X-Forwarded-For`` behind one trusted proxy), as families do: the per-IP rate limits of
``RATE_LIMITS`` are thus never reached and the settings stay as production has them.

Every HTTP request is recorded (``Hit``: start, end, status, whether a 5xx was the portal's
clean error page), and every action (``Action``: what it should have sent, and whether the
portal said it was sent).
"""

from __future__ import annotations

import http.client
import itertools
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

PAGE = "page"
PASSWORD_SMS = "password_sms"
PASSWORD_EMAIL = "password_email"
IDENTIFIER_SMS = "identifier_sms"
# What each action should send: channel and template of the one notification it causes.
SENDS = {
    PASSWORD_SMS: ("sms", "password_reset_code"),
    PASSWORD_EMAIL: ("email", "password_reset_link"),
    IDENTIFIER_SMS: ("sms", "identifier_reminder"),
}
PAGES = ("/", "/connexion/", "/assistance/")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_COOKIE = re.compile(r"__Host-csrftoken=([^;]+)")
TIMEOUT = 15.0


@dataclass(frozen=True)
class Parent:
    identifier: str
    mobile: str
    email: str


def parent_number(index: int) -> Parent:
    """The seeded parent number ``index`` (``seed_parents`` creates the same ones)."""
    return Parent(
        identifier=f"charge.parent{index}",
        mobile=f"+3361{index:07d}",
        email=f"parent{index}@charge.exemple.fr",
    )


def seed_parents(count: int) -> None:
    """Create ``count`` activated parent accounts, each with its own mobile and verified e-mail.

    Run inside a process whose Django points at the private database (see ``seed_command``).
    """
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Establishment, Guardian, User
    from core.text import canonical_email

    now = timezone.now()
    with transaction.atomic():
        school = Establishment.objects.create(
            uai="0750999X", name="Collège de la Charge", academie="Paris", kind="college"
        )
        users = User.objects.bulk_create(
            User(
                identifier=parent.identifier,
                kind=User.Kind.PARENT,
                first_name="Parent",
                last_name="Charge",
                email=parent.email,
                email_key=canonical_email(parent.email),
                email_verified_at=now,
                activated_at=now,
                password=make_password(None),
            )
            for parent in map(parent_number, range(count))
        )
        Guardian.objects.bulk_create(
            Guardian(
                establishment=school,
                external_id=f"C{index}",
                last_name="Charge",
                first_name="Parent",
                mobile=parent_number(index).mobile,
                account=user,
            )
            for index, user in enumerate(users)
        )


def create_lost_messages(count: int) -> None:
    """``count`` SMS queued an hour ago whose task the broker lost: only beat can send them."""
    from datetime import timedelta

    from django.utils import timezone

    from notifications import secret_box
    from notifications.models import Notification

    created = Notification.objects.bulk_create(
        Notification(
            channel="sms",
            destination=lost_mobile(index),
            template="password_reset_code",
            body="Portail des familles : votre code est ••••••.",
            secret_payload=secret_box.seal({"subject": "", "text": "Code 424242", "html": ""}),
        )
        for index in range(count)
    )
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Notification.objects.filter(pk__in=[row.pk for row in created]).update(updated_at=an_hour_ago)


def send_batch(start: int, count: int) -> None:
    """``count`` SMS sent the normal way at once (a batch, as a school's announcement)."""
    from notifications.services import notification_send

    for index in range(start, start + count):
        notification_send(
            channel="sms",
            destination=lost_mobile(index),
            template="password_reset_code",
            secrets={"code": f"{index % 1000000:06d}"},
        )


def lost_mobile(index: int) -> str:
    return f"+3369{index:07d}"


def django_command(call: str) -> list[str]:
    """``python`` arguments running ``call`` (a function of this module) under Django."""
    return ["-c", f"import django; django.setup(); from {__name__} import *; {call}"]


def seed_command(count: int) -> list[str]:
    return django_command(f"seed_parents({count})")


class ParentPool:
    """Hands out each seeded parent once over the whole module (no cool-down, no quota hit)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._next = 0
        self._lock = threading.Lock()

    def take(self) -> Parent:
        with self._lock:
            if self._next >= self.size:
                raise RuntimeError(f"all {self.size} seeded parents were used: seed more")
            parent = parent_number(self._next)
            self._next += 1
            return parent


@dataclass(frozen=True)
class Hit:
    """One HTTP request of the load."""

    path: str
    started_at: float
    finished_at: float
    status: int  # 0: no answer at all (refused, reset, timed out)
    is_clean_error: bool  # a 5xx that is the portal's error page, with no traceback

    @property
    def is_server_error(self) -> bool:
        return self.status == 0 or self.status >= 500


@dataclass(frozen=True)
class Action:
    """One visit; for the message-sending kinds, what should have been sent and where."""

    kind: str
    destination: str
    started_at: float
    was_accepted: bool  # the portal answered "sent" (302 to the confirmation page)

    @property
    def sends(self) -> tuple[str, str] | None:
        return SENDS.get(self.kind)


@dataclass
class Load:
    """``with Load(base_url, pool, mix, rate) as load:`` sends ``rate`` actions per second."""

    base_url: str
    pool: ParentPool
    mix: tuple[str, ...]
    rate: float = 8.0
    threads: int = 16
    hits: list[Hit] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._addresses: Iterator[int] = itertools.count(1)
        self._executor = ThreadPoolExecutor(max_workers=self.threads)
        self._scheduler = threading.Thread(target=self._schedule, daemon=True)

    def __enter__(self) -> Load:
        self.started_at = time.monotonic()
        self._scheduler.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._scheduler.join(timeout=5)
        self._executor.shutdown(wait=True)
        self.stopped_at = time.monotonic()

    # --- what the test reads --------------------------------------------------------------

    def snapshot(self) -> tuple[list[Hit], list[Action]]:
        with self._lock:
            return list(self.hits), list(self.actions)

    def accepted_since(self, moment: float) -> int:
        with self._lock:
            return sum(
                1 for action in self.actions if action.started_at >= moment and action.was_accepted
            )

    # --- the load itself ------------------------------------------------------------------

    def _schedule(self) -> None:
        kinds = itertools.cycle(self.mix)
        period = 1.0 / self.rate
        next_at = time.monotonic()
        while not self._stopping.is_set():
            self._executor.submit(self._act, next(kinds), next(self._addresses))
            next_at += period
            self._stopping.wait(max(0.0, next_at - time.monotonic()))

    def _act(self, kind: str, number: int) -> None:
        address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
        started = time.monotonic()
        if kind == PAGE:
            self._request("GET", PAGES[number % len(PAGES)], address)
            return
        parent = self.pool.take()
        if kind == IDENTIFIER_SMS:
            path, fields, destination = (
                "/identifiant-perdu/",
                {"channel": "sms", "mobile": parent.mobile},
                parent.mobile,
            )
        else:
            channel = "sms" if kind == PASSWORD_SMS else "email"
            path, fields, destination = (
                "/mot-de-passe-perdu/",
                {"channel": channel, "identifier": parent.identifier},
                parent.mobile if channel == "sms" else parent.email,
            )
        accepted = self._submit(path, fields, address)
        with self._lock:
            self.actions.append(Action(kind, destination, started, accepted))

    def _submit(self, path: str, fields: dict[str, str], address: str) -> bool:
        status, headers, body = self._request("GET", path, address)
        token = CSRF_INPUT.search(body)
        cookie = CSRF_COOKIE.search(headers.get("set-cookie", ""))
        if status != 200 or token is None or cookie is None:
            return False
        status, headers, _body = self._request(
            "POST",
            path,
            address,
            body=urlencode({"csrfmiddlewaretoken": token.group(1), **fields}),
            cookie=f"__Host-csrftoken={cookie.group(1)}",
        )
        location = headers.get("location", "")
        return status == 302 and location.endswith(("/envoye/", "/verification/"))

    def _request(
        self, method: str, path: str, address: str, *, body: str | None = None, cookie: str = ""
    ) -> tuple[int, dict[str, str], str]:
        headers = {
            "Host": f"{self._host}:{self._port}",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": address,
            "Referer": f"https://{self._host}:{self._port}{path}",
        }
        if cookie:
            headers["Cookie"] = cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        status, answer_headers, text = 0, {}, ""
        connection = http.client.HTTPConnection(self._host, self._port, timeout=TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            status = response.status
            answer_headers = {name.lower(): value for name, value in response.getheaders()}
            text = response.read().decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException):
            status = 0
        finally:
            connection.close()
        clean = (
            status >= 500
            and "Traceback" not in text
            and "Erreur inattendue" in text
            and "<html" in text
        )
        with self._lock:
            self.hits.append(Hit(path, started, time.monotonic(), status, clean))
        return status, answer_headers, text
