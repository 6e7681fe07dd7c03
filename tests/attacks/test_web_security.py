"""The web layer: CSRF on every form, no session fixation, no open redirect, no framing, safe
cookies and headers in production, and a console that needs the second factor (DESIGN §4)."""

from __future__ import annotations

import html
import re
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib import admin
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import STAFF_PASSWORD, seed_demo
from accounts.models import AuditEvent, Establishment, Guardian, Guardianship, User
from tests.accounts.enrolment_support import enrol, invitation_path
from tests.attacks.conftest import row_counts
from tests.conftest import DEMO_PASSWORD
from tests.recovery.conftest import last_code, last_link
from tests.recovery.signup_support import NEW_PASSWORD, Family, answer, finish, start
from tests.test_settings import _production_environment, _settings_in_subprocess

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


# --- CSRF ---------------------------------------------------------------------------------

PUBLIC_POSTS = [
    ("accounts:login", {"identifier": "patrick.dupont1", "password": DEMO_PASSWORD}),
    ("recovery:forgot_password", {"identifier": "patrick.dupont1", "channel": "sms"}),
    ("recovery:forgot_password_sent", {"code": "123456"}),
    ("recovery:forgot_password_resend", {}),
    ("recovery:forgot_password_new", {"new_password1": "x", "new_password2": "x"}),
    ("recovery:forgot_identifier", {"channel": "sms", "mobile": "0612345678"}),
    ("recovery:signup", {"last_name": "Dupont", "first_name": "Sophie", "mobile": "0698765432"}),
    ("recovery:signup_code", {"code": "123456"}),
    ("recovery:signup_resend", {}),
    ("recovery:signup_children", {}),
    ("recovery:signup_password", {"new_password1": "x", "new_password2": "x"}),
    ("console:invitation", {"password": "x", "new_password1": "x", "new_password2": "x"}),
    ("console:invitation_enrol", {"token": "123456"}),
    ("set_language", {"language": "en", "next": "/"}),
]
ACCOUNT_POSTS = [
    ("accounts:logout", {}),
    ("myaccount:change_password", {"current_password": DEMO_PASSWORD}),
    ("myaccount:change_email", {"email": "nouvelle@exemple.fr"}),
    ("myaccount:verify_email", {}),
    ("myaccount:sessions", {"session": ""}),
]


def _assert_french_csrf_refusal(response) -> None:
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Session expirée" in text(response)
    assert 'lang="fr"' in text(response)


@pytest.mark.parametrize(("name", "data"), PUBLIC_POSTS, ids=[n for n, _ in PUBLIC_POSTS])
def test_a_public_form_posted_without_its_token_is_refused_in_french(
    name: str, data: dict[str, str], parent: User
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("accounts:login"))  # the browser has a CSRF cookie, not the token
    before = row_counts()
    _assert_french_csrf_refusal(client.post(reverse(name), data))
    assert row_counts() == before


@pytest.mark.parametrize(("name", "data"), ACCOUNT_POSTS, ids=[n for n, _ in ACCOUNT_POSTS])
def test_an_account_form_posted_without_its_token_is_refused_in_french(
    name: str, data: dict[str, str], parent: User
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(parent)
    client.get(reverse("myaccount:account"))  # the browser is known (its UserSession row)
    before = row_counts()
    _assert_french_csrf_refusal(client.post(reverse(name), data))
    assert row_counts() == before


def test_the_other_logged_in_forms_need_their_token_too(parent: User) -> None:
    student_id = Guardianship.objects.get(guardian__account=parent).student_id
    seed_demo()
    staff = User.objects.get(identifier="claire.bernard1")
    for user, url in (
        (parent, reverse("myaccount:report_attachment", args=[student_id])),
        (staff, reverse("accounts:two_factor")),
        (staff, reverse("admin:accounts_user_changelist")),
    ):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        _assert_french_csrf_refusal(client.post(url, {"comment": "x", "token": "123456"}))


# --- Session fixation ---------------------------------------------------------------------

PLANTED = "0123456789abcdefghijklmnopqrstuv"


def test_a_session_cookie_chosen_by_an_attacker_is_never_adopted(parent: User) -> None:
    client = Client()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = PLANTED
    client.post(
        reverse("recovery:forgot_password"), {"identifier": "patrick.dupont1", "channel": "sms"}
    )
    assert client.cookies[django_settings.SESSION_COOKIE_NAME].value != PLANTED
    client.cookies[django_settings.SESSION_COOKIE_NAME] = PLANTED
    client.post(
        reverse("accounts:login"), {"identifier": parent.identifier, "password": DEMO_PASSWORD}
    )
    key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert key != PLANTED
    assert client.get(reverse("myaccount:account")).status_code == HTTPStatus.OK


def test_the_session_key_changes_when_a_reset_code_is_accepted_and_after_the_reset(
    parent: User, delivered
) -> None:
    client = Client()
    with delivered():
        client.post(
            reverse("recovery:forgot_password"),
            {"identifier": parent.identifier, "channel": "sms"},
        )
    fixed = client.session.session_key
    client.post(reverse("recovery:forgot_password_sent"), {"code": last_code()})
    after_code = client.session.session_key
    assert after_code != fixed
    response = client.post(
        reverse("recovery:forgot_password_new"),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("recovery:forgot_password_done")
    assert client.session.session_key not in {fixed, after_code}
    # Whoever held the fixed session cannot use the flow.
    attacker = Client()
    attacker.cookies[django_settings.SESSION_COOKIE_NAME] = fixed
    assert attacker.get(reverse("recovery:forgot_password_new")).status_code == HTTPStatus.FOUND


def test_the_session_key_changes_when_a_reset_link_is_opened(student: User, delivered) -> None:
    client = Client()
    with delivered():
        client.post(
            reverse("recovery:forgot_password"),
            {"identifier": student.identifier, "channel": "email"},
        )
    fixed = client.session.session_key
    client.get(urlsplit(last_link()).path)
    assert client.session.session_key != fixed


def test_the_session_key_changes_at_each_signup_step_that_grants_something(
    nadia: Family, delivered
) -> None:
    client = Client()
    with delivered():
        start(client)
    keys = [client.session.session_key]
    client.post(reverse("recovery:signup_code"), {"code": last_code()})
    keys.append(client.session.session_key)
    answer(client, {nadia.children[0]: ("oui", "23/11/2011")})
    response = finish(client)
    assert response["Location"] == reverse("myaccount:account")
    keys.append(client.session.session_key)
    assert len(set(keys)) == 3
    assert client.get(reverse("myaccount:account")).status_code == HTTPStatus.OK


# --- Open redirects -----------------------------------------------------------------------

OFFSITE = [
    "//evil.example",
    "https://evil.example",
    "http://evil.example/connexion/",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "https://testserver@evil.example",
    "https://evil.example\\@testserver",
    " //evil.example",
    "\x00//evil.example",
    "///evil.example",
]


def stays_on_site(location: str, *, base: str) -> bool:
    """Where a browser goes from ``base``: it drops tabs and newlines and reads ``\\`` as ``/``
    (WHATWG URL parsing), so do the same before resolving."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/").strip()
    resolved = urlsplit(urljoin(f"https://testserver{base}", cleaned))
    return resolved.scheme == "https" and resolved.netloc == "testserver"


@pytest.mark.parametrize("target", OFFSITE)
def test_login_never_sends_off_site(target: str, parent: User) -> None:
    client = Client()
    response = client.post(
        f"{reverse('accounts:login')}?next={target}",
        {"identifier": parent.identifier, "password": DEMO_PASSWORD, "next": target},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert stays_on_site(response["Location"], base=reverse("accounts:login"))


@pytest.mark.parametrize("target", OFFSITE)
def test_the_language_switch_never_sends_off_site(target: str) -> None:
    response = Client().post(reverse("set_language"), {"language": "en", "next": target})
    assert response.status_code == HTTPStatus.FOUND
    assert stays_on_site(response["Location"], base=reverse("set_language"))
    referer = Client().post(reverse("set_language"), {"language": "en"}, HTTP_REFERER=target)
    assert stays_on_site(referer["Location"], base=reverse("set_language"))


@pytest.mark.parametrize("target", OFFSITE)
def test_the_two_factor_step_never_sends_off_site(target: str, secretary: Client) -> None:
    user = User.objects.get(identifier="claire.bernard1")
    recovery_code = enrol(secretary, invitation_path(user), password=STAFF_PASSWORD)[0]
    fresh = Client()
    fresh.post(
        reverse("accounts:login"), {"identifier": user.identifier, "password": STAFF_PASSWORD}
    )
    response = fresh.post(
        f"{reverse('accounts:two_factor')}?next={target}", {"token": recovery_code, "next": target}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert stays_on_site(response["Location"], base=reverse("accounts:two_factor"))


def test_a_local_next_is_still_followed(parent: User) -> None:
    response = Client().post(
        reverse("accounts:login"),
        {
            "identifier": parent.identifier,
            "password": DEMO_PASSWORD,
            "next": "/mon-compte/journal/",
        },
    )
    assert response["Location"] == "/mon-compte/journal/"


# --- Framing and headers ------------------------------------------------------------------

PUBLIC_PAGES = [
    "home",
    "assistance",
    "legal_notice",
    "accessibility",
    "accounts:login",
    "recovery:forgot_identifier",
    "recovery:forgot_password",
    "recovery:signup",
]
ACCOUNT_PAGES = [
    "myaccount:account",
    "myaccount:change_password",
    "myaccount:change_email",
    "myaccount:journal",
    "myaccount:sessions",
]


def _assert_not_frameable_and_hardened(response) -> None:
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))
    assert policy["camera"] == policy["microphone"] == policy["geolocation"] == "()"
    assert policy["publickey-credentials-get"] == "(self)"


def test_every_page_refuses_to_be_framed_and_sends_the_security_headers(
    parent: User, college: Establishment
) -> None:
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(parent)
    responses = [anonymous.get(reverse(name)) for name in PUBLIC_PAGES]
    responses += [signed_in.get(reverse(name)) for name in ACCOUNT_PAGES]
    responses += [
        anonymous.get("/page-qui-n-existe-pas/"),  # 404
        Client(enforce_csrf_checks=True).post(reverse("accounts:login")),  # 403
        anonymous.post(reverse("accounts:login"), {"identifier": "x"}),  # 400
        anonymous.get(reverse("admin:index")),  # redirect
    ]
    for response in responses:
        assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR
        _assert_not_frameable_and_hardened(response)


PRODUCTION_NAMES = (
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_NAME",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "CSRF_COOKIE_NAME",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
)


@pytest.fixture(scope="module")
def production_values(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The security settings as production computes them (settings read the environment once,
    at import: evaluated in a fresh interpreter, as tests/test_settings.py does)."""
    var_dir: Path = tmp_path_factory.mktemp("production")
    values = _settings_in_subprocess(_production_environment(var_dir), *PRODUCTION_NAMES)
    # A name the settings module leaves out (None here) keeps Django's default.
    return {name: value for name, value in values.items() if value is not None}


def test_production_cookies_are_secure_httponly_lax_and_host_prefixed(
    production_values: dict[str, object], parent: User
) -> None:
    with override_settings(**{**production_values, "SECURE_SSL_REDIRECT": False}):
        client = Client()
        client.get(reverse("accounts:login"), secure=True)
        client.post(
            reverse("accounts:login"),
            {"identifier": parent.identifier, "password": DEMO_PASSWORD},
            secure=True,
        )
        session = client.cookies["__Host-sessionid"]
        csrf = client.cookies["__Host-csrftoken"]
    for cookie in (session, csrf):
        assert cookie["secure"] is True
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"
        assert cookie["path"] == "/"  # __Host-: Secure, Path=/ and no Domain
        assert not cookie["domain"]


def test_production_sends_hsts_and_redirects_plain_http(
    production_values: dict[str, object],
) -> None:
    with override_settings(**production_values):
        plain = Client().get(reverse("accounts:login"))
        secure = Client().get(reverse("accounts:login"), secure=True)
    assert plain.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert plain["Location"].startswith("https://")
    hsts = secure["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31_536_000
    assert "includeSubDomains" in hsts and "preload" in hsts
    _assert_not_frameable_and_hardened(secure)


# --- The console needs the second factor --------------------------------------------------


@pytest.fixture
def secretary(client: Client, settings) -> Client:
    settings.ADMIN_REQUIRES_OTP = True
    seed_demo()
    response = client.post(
        reverse("accounts:login"), {"identifier": "claire.bernard1", "password": STAFF_PASSWORD}
    )
    assert response.status_code == HTTPStatus.FOUND
    return client


def current_code(user: User) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def console_urls() -> list[str]:
    """Every console page: home, each list, add and change form, and the roster import."""
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(
                reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
            )
    school = Establishment.objects.order_by("pk").first()
    assert school is not None
    urls.append(reverse("admin:accounts_establishment_import", args=[school.pk]))
    return urls


def _deactivate_everyone(client: Client) -> object:
    ids = list(User.objects.filter(is_staff=False).values_list("pk", flat=True))
    return client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate", "_selected_action": ids, "index": 0},
    )


def test_a_password_alone_opens_no_console_page_and_no_action(secretary: Client) -> None:
    urls = console_urls()
    assert len(urls) > 20
    for url in urls:
        response = secretary.get(url)
        assert response.status_code == HTTPStatus.FOUND, url
        followed = secretary.get(response["Location"], follow=True)
        assert followed.redirect_chain[-1][0].startswith(reverse("accounts:two_factor")), url
    active = User.objects.filter(is_active=True).count()
    before = AuditEvent.objects.count()
    response = _deactivate_everyone(secretary)
    assert response.status_code == HTTPStatus.FOUND
    assert User.objects.filter(is_active=True).count() == active
    assert AuditEvent.objects.count() == before


def test_with_a_valid_code_the_console_opens(secretary: Client) -> None:
    user = User.objects.get(identifier="claire.bernard1")
    enrol(secretary, invitation_path(user), password=STAFF_PASSWORD)
    huge = reverse("admin:accounts_establishment_import", args=[2**63])
    assert secretary.get(huge).status_code == HTTPStatus.FORBIDDEN  # not a 500
    for url in console_urls():
        response = secretary.get(url)
        if response.status_code == HTTPStatus.FOUND:  # e.g. the read-only journal's add form
            assert response["Location"].startswith(reverse("admin:index")), url
            assert not response["Location"].startswith(reverse("admin:login")), url
        else:
            assert response.status_code in {HTTPStatus.OK, HTTPStatus.FORBIDDEN}, url
    assert secretary.get(reverse("admin:index")).status_code == HTTPStatus.OK


def test_a_wrong_code_opens_nothing(secretary: Client) -> None:
    user = User.objects.get(identifier="claire.bernard1")
    enrol(secretary, invitation_path(user), password=STAFF_PASSWORD)
    fresh = Client()
    fresh.post(
        reverse("accounts:login"), {"identifier": user.identifier, "password": STAFF_PASSWORD}
    )
    code = current_code(user)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert fresh.post(reverse("accounts:two_factor"), {"token": wrong}).status_code == 400
    assert fresh.get(reverse("admin:index")).status_code == HTTPStatus.FOUND


def test_a_parent_never_reaches_the_console(settings) -> None:
    seed_demo()
    for requires_otp in (True, False):
        settings.ADMIN_REQUIRES_OTP = requires_otp
        client = Client()
        client.post(
            reverse("accounts:login"),
            {"identifier": "patrick.dupont1", "password": DEMO_PASSWORD},
        )
        for url in console_urls():
            response = client.get(url)
            assert response.status_code in {HTTPStatus.FOUND, HTTPStatus.FORBIDDEN}, url
            if response.status_code == HTTPStatus.FOUND:  # to a sign-in, never into the console
                assert response["Location"].startswith(
                    (reverse("admin:login"), reverse("accounts:login"))
                ), url
        assert client.get(reverse("accounts:two_factor")).status_code == HTTPStatus.FORBIDDEN
        active = User.objects.filter(is_active=True).count()
        _deactivate_everyone(client)
        assert User.objects.filter(is_active=True).count() == active
        assert not Guardian.objects.filter(account__is_active=False).exists()


# --- Item 17 ------------------------------------------------------------------------------


def test_static_files_and_the_413_page_send_the_permissions_policy_too(settings) -> None:
    settings.REQUEST_BODY_MAX_BYTES = 100
    big = Client().post(reverse("accounts:login"), {"identifier": "x" * 500})
    assert big.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert "camera=()" in big["Permissions-Policy"]


def test_a_reset_link_opened_while_signed_in_as_someone_else_says_so(
    student: User, parent: User, delivered
) -> None:
    from tests.recovery.conftest import ask_reset

    with delivered():
        ask_reset(Client(), student.identifier, channel="email")
    link = last_link()
    elsewhere, own = Client(), Client()
    elsewhere.force_login(parent)
    own.force_login(student)
    warned = html.unescape(elsewhere.get(link, follow=True).content.decode())
    assert "connecté(e) avec un autre compte" in warned
    assert f"« {parent.identifier} »" in warned and f"« {student.identifier} »" in warned
    not_warned = html.unescape(own.get(link, follow=True).content.decode())
    assert "Choisir un nouveau mot de passe" in not_warned
    assert "autre compte" not in not_warned
