"""Whatever a proxy forwards as the client's address, one canonical address or the socket's:
never a 500 on login, never a reset lost in the worker, and IPv6 counted per /64 (issue 16,
items 4 and 8).

The shapes are drawn by hypothesis: bare IPv4 and IPv6, IPv4-mapped IPv6, with ports, in
brackets, with spaces, and garbage proxies really write (``unknown``, ``_hidden``, empty).
"""

from __future__ import annotations

import ipaddress
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import AuditEvent, User
from core.http import normalize_ip
from core.ratelimits import ip_key
from notifications.backends.sms import LocmemSmsBackend
from notifications.models import Notification
from recovery.models import VerificationCode
from tests.attacks.conftest import WRONG_PASSWORD

pytestmark = pytest.mark.django_db

SOCKET = "10.0.0.1"  # REMOTE_ADDR: the trusted proxy itself
PROPERTY = hypothesis_settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

IPV4 = st.ip_addresses(v=4).map(str)
IPV6 = st.ip_addresses(v=6).map(str)
PORTS = st.integers(min_value=0, max_value=65535)


@st.composite
def forwarded_shapes(draw: st.DrawFn) -> tuple[str, str | None]:
    """(what the header says, the address it stands for or None for garbage)."""
    kind = draw(
        st.sampled_from(
            ["v4", "v4:port", "v6", "[v6]", "[v6]:port", "mapped", "[mapped]:port", "garbage"]
        )
    )
    v4, v6, port = draw(IPV4), draw(IPV6), draw(PORTS)
    spaces = draw(st.sampled_from(["", " ", "  "]))
    shapes = {
        "v4": (v4, v4),
        "v4:port": (f"{v4}:{port}", v4),
        "v6": (v6, v6),
        "[v6]": (f"[{v6}]", v6),
        "[v6]:port": (f"[{v6}]:{port}", v6),
        "mapped": (f"::ffff:{v4}", v4),
        "[mapped]:port": (f"[::ffff:{v4}]:{port}", v4),
    }
    if kind == "garbage":
        text = draw(
            st.one_of(
                st.sampled_from(
                    [
                        "unknown",
                        "_hidden",
                        "",
                        "1.2.3",
                        "1.2.3.4.5",
                        "999.1.1.1",
                        "::1::",
                        "[::1",
                        "1.2.3.4:abc",
                        "\x00",
                        "a" * 300,
                        "1.2.3.4:5:6",
                    ]
                ),  # fmt: skip
                st.text(max_size=40).filter(lambda typed: "," not in typed),
            )
        )
        return f"{spaces}{text}{spaces}", normalize_ip(text)
    shape, address = shapes[kind]
    return f"{spaces}{shape}{spaces}", _canonical(address)


def _canonical(address: str) -> str:
    parsed = ipaddress.ip_address(address)
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(parsed)


def _behind_proxy(settings, header: str) -> Client:
    settings.TRUSTED_PROXY_COUNT = 1
    return Client(HTTP_X_FORWARDED_FOR=f"{header}", REMOTE_ADDR=SOCKET)


@PROPERTY
@given(shape=forwarded_shapes())
def test_every_forwarded_shape_is_one_canonical_address_or_none(
    shape: tuple[str, str | None],
) -> None:
    header, expected = shape
    found = normalize_ip(header)
    assert found == expected
    if found is not None:
        address = ipaddress.ip_address(found)
        assert str(address) == found
        assert not (isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped)


@PROPERTY
@given(shape=forwarded_shapes())
def test_no_forwarded_shape_is_a_500_on_login_and_the_journal_keeps_an_address(
    settings, shape: tuple[str, str | None]
) -> None:
    header, expected = shape
    cache.clear()
    client = _behind_proxy(settings, header)
    response = client.post(
        reverse("accounts:login"), {"identifier": "patrick.dupont1", "password": WRONG_PASSWORD}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    event = AuditEvent.objects.filter(event_type="login_failed").latest("pk")
    assert event.ip_address == (expected or SOCKET)


@pytest.mark.parametrize("header", ["fe80::1%eth0", "[fe80::1%25eth0]:443", "fe80::1%1"])
def test_a_scoped_ipv6_address_is_journaled_without_its_zone(settings, header: str) -> None:
    """The zone is local to the proxy's host, and PostgreSQL's ``inet`` refuses it (a 500 on
    login, a reset lost in the worker): the address is kept, the zone dropped."""
    assert normalize_ip(header) == "fe80::1"
    response = _behind_proxy(settings, header).post(
        reverse("accounts:login"), {"identifier": "patrick.dupont1", "password": WRONG_PASSWORD}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert AuditEvent.objects.filter(event_type="login_failed").latest("pk").ip_address == "fe80::1"


@PROPERTY
@given(shape=forwarded_shapes())
def test_no_forwarded_shape_drops_a_reset_in_the_worker(
    settings, parent: User, delivered, shape: tuple[str, str | None]
) -> None:
    header, expected = shape
    cache.clear()
    VerificationCode.objects.all().delete()  # no cool-down left by the previous example
    Notification.objects.all().delete()
    LocmemSmsBackend.outbox = []
    client = _behind_proxy(settings, header)
    with delivered():
        response = client.post(
            reverse("recovery:forgot_password"),
            {"identifier": parent.identifier, "channel": "sms"},
        )
    assert response.status_code == HTTPStatus.FOUND
    assert [sms.to for sms in LocmemSmsBackend.outbox] == ["+33612345678"]
    event = AuditEvent.objects.filter(event_type="password_reset_requested").latest("pk")
    assert event.ip_address == (expected or SOCKET)


# --- IPv6 per /64 ------------------------------------------------------------------------

NETWORKS = st.integers(min_value=0, max_value=2**32 - 1)  # the /64s of 2001:db8::/32
HOSTS = st.integers(min_value=0, max_value=2**64 - 1)


def _in(network: int, host: int) -> str:
    return str(ipaddress.IPv6Address(0x2001_0DB8 << 96 | network << 64 | host))


@PROPERTY
@given(network=NETWORKS, host=HOSTS, other_host=HOSTS, other_network=NETWORKS)
def test_per_ip_limits_key_ipv6_on_its_64(
    network: int, host: int, other_host: int, other_network: int
) -> None:
    assert ip_key(_in(network, host)) == ip_key(_in(network, other_host))
    assert (ip_key(_in(network, host)) == ip_key(_in(other_network, host))) == (
        network == other_network
    )


@PROPERTY
@given(v4=IPV4)
def test_an_ipv4_mapped_address_is_its_ipv4_address(v4: str) -> None:
    assert ip_key(f"::ffff:{v4}") == ip_key(v4) == v4


def test_twenty_addresses_of_one_64_share_one_per_ip_limit(settings, parent: User) -> None:
    """forgot_password allows 20 an hour per address: a /64 is one address."""
    settings.TRUSTED_PROXY_COUNT = 1
    statuses = [
        Client(HTTP_X_FORWARDED_FOR=_in(7, host), REMOTE_ADDR=SOCKET)
        .post(
            reverse("recovery:forgot_password"),
            {"identifier": f"personne.inconnue{host}", "channel": "sms"},
        )
        .status_code
        for host in range(1, 22)
    ]
    assert statuses[:20] == [HTTPStatus.FOUND] * 20
    assert statuses[20] == HTTPStatus.TOO_MANY_REQUESTS
    elsewhere = Client(HTTP_X_FORWARDED_FOR=f"[{_in(8, 1)}]:443", REMOTE_ADDR=SOCKET).post(
        reverse("recovery:forgot_password"), {"identifier": "personne.inconnue99", "channel": "sms"}
    )
    assert elsewhere.status_code == HTTPStatus.FOUND
