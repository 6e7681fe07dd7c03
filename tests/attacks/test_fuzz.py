"""Any input on any form or query string: never a 500, a French answer for what is refused,
and nothing written when the answer is a refusal (DESIGN §4).

Every form is fuzzed at its own step of its flow: a browser is brought once to the step, and
each example gets a copy of that session, so examples do not depend on each other. The rate
limits and the login throttle are lifted for the whole file (``generous_limits``,
``no_login_lock``): this fuzzes the forms, not the limiters, which would otherwise answer 429
after a few examples.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.demo import STAFF_PASSWORD
from accounts.models import Guardianship, User
from accounts.services import user_create
from core import ratelimits as throttling
from tests.accounts.enrolment_support import invitation_path, pass_password_step
from tests.attacks.conftest import COUNTED_MODELS, row_counts
from tests.conftest import DEMO_PASSWORD
from tests.recovery.conftest import last_code
from tests.recovery.signup_support import Family, answer, start

pytestmark = pytest.mark.django_db

# No shrinking: a failure prints the whole example, and the file stays within its minute. A fixed
# seed (derandomize) makes a failure replay on the next run; the nasty values are also posted
# to every field of every form, one by one, by the sweep below.
FUZZ = hypothesis_settings(
    max_examples=8,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "x" * 100_000,
    "9" * 20_000,
    "\u202eمرحبا\u202c",  # right-to-left override, Arabic
    "\u200b\u200c\u200d\ufeff",  # zero-width
    "e\u0301\u0301\u0301\u0301",  # combining accents
    "👨‍👩‍👧‍👦" * 50,
    "０６１２３４５６７８",  # full-width digits
    "𝟘𝟞𝟙𝟚𝟛𝟜𝟝𝟞",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "{{ 7|add:7 }}{% now 'Y' %}",
    "%(x)s %s %n",
    "../../etc/passwd",
    "\r\nSet-Cookie: x=1",
    "+33612345678",
    "patrick.dupont1",
    "23/11/2011",
    "31/02/2011",
    "oui",
    "-1",
    "1e309",
]
TEXT = st.one_of(
    st.sampled_from(NASTY),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.from_regex(r"[0-9 +./-]{0,20}", fullmatch=True),
)
KEYS = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)
EXTRA = st.dictionaries(KEYS, TEXT, max_size=3)


def fields(*names: str) -> st.SearchStrategy[dict[str, str]]:
    """Any of the form's fields, each one present or not, plus a few made-up ones."""
    return st.builds(
        lambda known, extra: {**extra, **known},
        st.fixed_dictionaries({}, optional=dict.fromkeys(names, TEXT)),
        EXTRA,
    )


def text(response) -> str:
    return html.unescape(response.content.decode(errors="replace"))


def assert_answered(response, *, says_why: bool = True) -> None:
    """Below 500, and a refusal is a French page that says what is wrong (``says_why``: a
    POST without any of the form's fields gets the blank form again, nothing to point at)."""
    assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR
    # A GET on a POST-only button (resend, logout) is Django's bare 405: no page to show.
    if response.status_code >= HTTPStatus.BAD_REQUEST and response.status_code != 405:
        page = text(response)
        assert '<html lang="fr"' in page
        shows_the_form_again = "fr-input-group" in page
        if says_why and shows_the_form_again:
            assert "fr-message--error" in page or "fr-alert--error" in page, page[-3000:]
        else:  # a page of its own: the error pages, "link expired", "too many tries"…
            assert "<h1" in page


# --- A browser at each step ---------------------------------------------------------------


@dataclass(repr=False)
class Step:
    url: str
    fields: tuple[str, ...]
    session: dict[str, Any]
    audited: bool = False  # refusals are audited on purpose (failed sign-ins)
    # Which posts deserve a message on a field: by default, any with one of the form's fields.
    says_why: Callable[[dict[str, str]], bool] | None = None

    def should_say_why(self, data: dict[str, str]) -> bool:
        if self.says_why is not None:
            return self.says_why(data)
        return any(name in data for name in self.fields)


def copy_of(session: dict[str, Any]) -> Client:
    store = SessionStore()
    store.update(session)
    store.create()
    client = Client()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = store.session_key
    return client


def session_of(client: Client) -> dict[str, Any]:
    return dict(client.session.items())


@pytest.fixture
def no_login_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    never = throttling.Policy(delay_after=10**6, lock_after=10**6, max_delay=60)
    monkeypatch.setattr(throttling, "IDENTIFIER_POLICY", never)
    monkeypatch.setattr(throttling, "IP_POLICY", never)


@pytest.fixture
def steps(
    parent: User, nadia: Family, generous_limits: None, no_login_lock: None, delivered
) -> Iterator[dict[str, Step]]:
    """Every form, with a session at the step where the form is shown."""
    anonymous: dict[str, Any] = {}
    found: dict[str, Step] = {
        "login": Step(
            reverse("accounts:login"), ("identifier", "password", "next"), anonymous, True
        ),
        # Each channel is its own form on the page, chosen by a hidden field.
        "forgot identifier": Step(
            reverse("recovery:forgot_identifier"),
            ("channel", "mobile", "email"),
            anonymous,
            says_why=lambda data: data.get("channel") in {"sms", "email"},
        ),
        "forgot password": Step(
            reverse("recovery:forgot_password"), ("identifier", "channel"), anonymous
        ),
        "signup": Step(
            reverse("recovery:signup"), ("last_name", "first_name", "mobile"), anonymous
        ),
        "language": Step(reverse("set_language"), ("language", "next"), anonymous),
    }
    # Lost password: the code step, then the new password step.
    reset = Client()
    with delivered():
        reset.post(
            reverse("recovery:forgot_password"),
            {"identifier": parent.identifier, "channel": "sms"},
        )
    code = last_code()
    found["reset code"] = Step(
        reverse("recovery:forgot_password_sent"), ("code",), session_of(reset)
    )
    found["reset resend"] = Step(reverse("recovery:forgot_password_resend"), (), session_of(reset))
    reset.post(reverse("recovery:forgot_password_sent"), {"code": code})
    found["reset password"] = Step(
        reverse("recovery:forgot_password_new"),
        ("new_password1", "new_password2"),
        session_of(reset),
    )
    # Self-registration: code, children, password.
    signup = Client()
    with delivered():
        start(signup)
    found["signup code"] = Step(reverse("recovery:signup_code"), ("code",), session_of(signup))
    found["signup resend"] = Step(reverse("recovery:signup_resend"), (), session_of(signup))
    signup.post(reverse("recovery:signup_code"), {"code": last_code()})
    yanis = nadia.children[0]
    found["signup children"] = Step(
        reverse("recovery:signup_children"),
        (f"legal_{yanis.pk}", f"birth_date_{yanis.pk}"),
        session_of(signup),
    )
    answer(signup, {yanis: ("oui", "23/11/2011")})
    found["signup password"] = Step(
        reverse("recovery:signup_password"),
        ("new_password1", "new_password2", "identifier_noted"),
        session_of(signup),
    )
    # Mon compte.
    account = Client()
    account.post(
        reverse("accounts:login"), {"identifier": parent.identifier, "password": DEMO_PASSWORD}
    )
    signed_in = session_of(account)
    student_id = Guardianship.objects.get(guardian__account=parent).student_id
    found["change password"] = Step(
        reverse("myaccount:change_password"),
        ("current_password", "new_password1", "new_password2"),
        signed_in,
        audited=True,  # a wrong current password is journaled (accounts.password_checks)
    )
    found["change e-mail"] = Step(reverse("myaccount:change_email"), ("email",), signed_in)
    found["verify e-mail"] = Step(reverse("myaccount:verify_email"), (), signed_in)
    found["sessions"] = Step(reverse("myaccount:sessions"), ("session",), signed_in)
    found["report"] = Step(
        reverse("myaccount:report_attachment", args=[student_id]), ("comment",), signed_in
    )
    # Two-factor: a staff member with an authenticator app, between password and code.
    staff = user_create(
        kind=User.Kind.STAFF, first_name="Claire", last_name="Bernard", password=STAFF_PASSWORD
    )
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    console = Client()
    console.post(
        reverse("accounts:login"), {"identifier": staff.identifier, "password": STAFF_PASSWORD}
    )
    found["two-factor"] = Step(
        reverse("accounts:two_factor"), ("token", "next"), session_of(console), True
    )
    # Invitations: a new member's first password; a member's current password (a wrong one
    # is audited as a failed sign-in), then the code of the app being enrolled.
    newcomer = user_create(
        kind=User.Kind.STAFF,
        first_name="Anne",
        last_name="Lambert",
        password=None,
        email="anne.lambert@exemple.fr",
    )
    invited = Client()
    invited.get(invitation_path(newcomer))
    found["invitation first password"] = Step(
        reverse("console:invitation"), ("new_password1", "new_password2"), session_of(invited)
    )
    reinvited = Client()
    reinvited.get(invitation_path(staff))
    found["invitation password"] = Step(
        reverse("console:invitation"), ("password",), session_of(reinvited), True
    )
    pass_password_step(reinvited, password=STAFF_PASSWORD)
    found["invitation code"] = Step(
        reverse("console:invitation_enrol"), ("token",), session_of(reinvited)
    )
    yield found


def fuzz_step(step: Step, query: dict[str, str], data: dict[str, str]) -> None:
    client = copy_of(step.session)
    assert_answered(client.get(step.url, query))  # also makes the copy a known browser
    models = tuple(m for m in COUNTED_MODELS if not (step.audited and m.__name__ == "AuditEvent"))
    before = row_counts(*models)
    response = client.post(f"{step.url}?{_query(query)}", data)
    assert_answered(response, says_why=step.should_say_why(data))
    if response.status_code >= HTTPStatus.BAD_REQUEST:
        assert row_counts(*models) == before


def _query(query: dict[str, str]) -> str:
    return "&".join(
        f"{quote(key, safe='')}={quote(value, safe='')}" for key, value in query.items()
    )


STEP_NAMES = [
    "login",
    "forgot identifier",
    "forgot password",
    "signup",
    "language",
    "reset code",
    "reset resend",
    "reset password",
    "signup code",
    "signup resend",
    "signup children",
    "signup password",
    "change password",
    "change e-mail",
    "verify e-mail",
    "sessions",
    "report",
    "two-factor",
    "invitation first password",
    "invitation password",
    "invitation code",
]


@pytest.mark.parametrize("name", STEP_NAMES)
@FUZZ
@given(data=st.data())
def test_any_input_on_any_form_gets_an_answer_and_a_refusal_writes_nothing(
    name: str, steps: dict[str, Step], data: st.DataObject
) -> None:
    step = steps[name]
    fuzz_step(step, data.draw(EXTRA, label="query"), data.draw(fields(*step.fields), label="post"))


@pytest.mark.parametrize("name", STEP_NAMES)
def test_every_nasty_value_in_every_field_gets_an_answer_and_writes_nothing(
    name: str, steps: dict[str, Step]
) -> None:
    """The deterministic half of the fuzz: each NASTY value in all the form's fields at once
    (a 20,000-digit id, a NUL, right-to-left text…), so a failure replays on every run."""
    step = steps[name]
    for value in NASTY:
        fuzz_step(step, {}, dict.fromkeys(step.fields, value) or {"x": value})


def test_a_session_id_longer_than_python_parses_is_a_400(steps: dict[str, Step]) -> None:
    client = copy_of(steps["sessions"].session)
    response = client.post(reverse("myaccount:sessions"), {"session": "9" * 5000})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert '<html lang="fr"' in text(response)


# --- Query strings and path parameters ----------------------------------------------------

PAGES = [
    "home",
    "assistance",
    "legal_notice",
    "accessibility",
    "accounts:login",
    "myaccount:account",
    "recovery:forgot_identifier",
    "recovery:forgot_identifier_sent",
    "recovery:forgot_password",
    "recovery:forgot_password_sent",
    "recovery:forgot_password_new",
    "recovery:forgot_password_done",
    "recovery:signup",
    "recovery:signup_code",
    "recovery:signup_children",
    "recovery:signup_password",
    "set_language",
    "admin:index",
    "admin:login",
    "console:invitation",
    "console:invitation_enrol",
]


@FUZZ
@given(query=EXTRA, token=TEXT, student_id=st.integers(min_value=0, max_value=2**63))
def test_any_query_string_or_link_token_gets_an_answer(
    steps: dict[str, Step], query: dict[str, str], token: str, student_id: int
) -> None:
    anonymous = Client()
    signed_in = copy_of(steps["change password"].session)
    for name in PAGES:
        for client in (anonymous, signed_in):
            assert_answered(client.get(f"{reverse(name)}?{_query(query)}"))
    for prefix in (
        "/mot-de-passe-perdu/lien/",
        "/mon-compte/e-mail/verifier/",
        "/personnel/invitation/lien/",
    ):
        response = anonymous.get(f"{prefix}{quote(token, safe='')}/", follow=True)
        assert_answered(response)
        response = signed_in.get(f"{prefix}{quote(token, safe='')}/", follow=True)
        assert_answered(response)
    before = row_counts()
    report = signed_in.post(f"/mon-compte/signaler/{student_id}/", {"comment": token})
    assert_answered(report)
    if report.status_code >= HTTPStatus.BAD_REQUEST:
        assert row_counts() == before


def test_the_fuzzed_steps_are_really_at_their_step(steps: dict[str, Step]) -> None:
    """Guards the fixture: each copied session shows its form, not the start of its flow."""
    for name in STEP_NAMES:
        step = steps[name]
        response = copy_of(step.session).get(step.url)
        if name.endswith("resend"):
            assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED, name
        elif name == "language":  # the switch answers a GET by going back
            assert response.status_code == HTTPStatus.FOUND, name
        elif name == "verify e-mail":  # no link opened in this session: "link expired"
            assert response.status_code == HTTPStatus.BAD_REQUEST, name
        else:
            assert response.status_code == HTTPStatus.OK, name


@pytest.mark.parametrize("student_id", [2**63 - 1, 2**63, 10**30])
def test_an_id_beyond_the_database_range_is_a_404_not_a_500(
    student_id: int, steps: dict[str, Step]
) -> None:
    signed_in = copy_of(steps["change password"].session)
    signed_in.get(reverse("myaccount:account"))  # the browser is known (its UserSession row)
    before = row_counts()
    response = signed_in.post(f"/mon-compte/signaler/{student_id}/", {"comment": "x"})
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert_answered(response)
    assert row_counts() == before
