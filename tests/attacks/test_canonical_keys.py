"""One typed identifier or e-mail, one key: the account it reaches, the key its limits count on
and what the journal keeps are the same value (issue 16, item 3).

PostgreSQL's ``UPPER`` folds ``ı`` to ``I`` and ``ſ`` to ``S``; Python's ``lower()`` does not.
With a case-insensitive lookup and a ``lower()``-keyed throttle, ``claıre.bernard1`` reached
``claire.bernard1`` under another throttle key, so every ``i`` or ``s`` doubled the tries. Here
each spelling is drawn from confusable and foldable characters (dotless and dotted i, long s,
full-width and mathematical letters and digits, the Kelvin sign, combining accents, Cyrillic
look-alikes, case) and the three uses must agree for every one of them.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import AuditEvent, User
from accounts.services import user_create
from core import ratelimits
from core.text import canonical_email, canonical_identifier
from notifications.models import Notification
from recovery.deliveries.identifier_reminder import accounts_for_email
from recovery.forms.forgot import ForgotIdentifierEmailForm
from tests.attacks.conftest import WRONG_PASSWORD
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

PROPERTY = hypothesis_settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Characters that Unicode folding (NFKC, case folding, the identifier alphabet) gives as the
# letter, and look-alikes that it does not (they must reach no account and be another key).
FOLDS_TO = {
    "i": ["i", "I", "ı", "İ", "í", "ï", "ｉ", "Ｉ", "𝐢", "ⅰ"],
    "s": ["s", "S", "ſ", "ｓ", "Ｓ", "𝐬"],
    "k": ["k", "K", "\u212a", "ｋ"],  # U+212A KELVIN SIGN
    "l": ["l", "L", "ｌ", "ℓ"],
    ".": [".", "．"],
    "1": ["1", "１", "𝟏", "¹"],
}
LOOKS_LIKE = {"a": ["а"], "e": ["е"], "o": ["о"], "i": ["і"], "c": ["с"], "p": ["р"]}  # Cyrillic


def _letter(ch: str, *, look_alikes: bool, accents: bool) -> st.SearchStrategy[str]:
    folding = list(FOLDS_TO.get(ch, [ch, ch.upper()]))
    if ch.isalpha() and ch not in FOLDS_TO:
        folding.append(chr(ord(ch) - ord("a") + ord("ａ")))  # full-width
    if accents and ch.isalpha():  # an identifier drops accents, an address keeps them
        folding.append(unicodedata.normalize("NFD", ch + "\u0301"))
    return st.sampled_from(folding + (LOOKS_LIKE.get(ch, []) if look_alikes else []))


def spellings(text: str, *, accents: bool = True) -> st.SearchStrategy[str]:
    """``text`` spelt with foldable characters only (half the examples), or with look-alikes
    and accents mixed in (most of which reach nothing)."""
    return st.one_of(
        st.tuples(*(_letter(ch, look_alikes=False, accents=False) for ch in text)).map("".join),
        st.tuples(*(_letter(ch, look_alikes=True, accents=accents) for ch in text)).map("".join),
    )


@pytest.fixture
def claire() -> User:
    user = user_create(
        kind=User.Kind.PARENT,
        first_name="Claire",
        last_name="Bernardis",
        password=DEMO_PASSWORD,
        email="louis.kessi@ecole-saint-kilian.fr",
        email_verified=True,
    )
    assert user.identifier == "claire.bernardis1"
    return user


def _fresh() -> None:
    """Each example on its own: no limit, budget or mailbox left by the previous one."""
    cache.clear()
    mail.outbox.clear()
    Notification.objects.all().delete()


@PROPERTY
@given(typed=spellings("claire.bernardis1"))
def test_a_typed_identifier_reaches_an_account_only_under_that_accounts_one_key(
    claire: User, typed: str
) -> None:
    _fresh()
    canonical = canonical_identifier(typed)
    reaches = canonical == claire.identifier
    before = AuditEvent.objects.filter(event_type="login_failed").count()

    Client().post(reverse("accounts:login"), {"identifier": typed, "password": WRONG_PASSWORD})

    # The lookup: the account, exactly when the canonical form is its identifier.
    assert User.objects.filter(pk=claire.pk, identifier=canonical).exists() == reaches
    assert User.objects.filter(identifier=canonical).exists() == reaches
    # The throttle key: the failure counts on the account's key exactly then.
    attempt = ratelimits.login_attempt_start(identifier=claire.identifier, ip="192.0.2.1")
    assert attempt.counts["identifier"] == (2 if reaches else 1)
    attempt.abandoned()
    # The journal: the account's identifier when it reached it, nothing otherwise.
    events = AuditEvent.objects.filter(event_type="login_failed").order_by("pk")[before:]
    assert [event.details for event in events] == [
        {"identifier": claire.identifier} if reaches else {}
    ]


@PROPERTY
@given(typed=spellings("claire.bernardis1"))
def test_a_spelling_that_folds_to_the_identifier_logs_in_and_no_other_does(
    claire: User, typed: str
) -> None:
    _fresh()
    response = Client().post(
        reverse("accounts:login"), {"identifier": typed, "password": DEMO_PASSWORD}
    )
    assert (response.status_code == 302) == (canonical_identifier(typed) == claire.identifier)


def test_ten_spellings_of_one_identifier_are_ten_failures_of_one_account(claire: User) -> None:
    """``claıre``, ``claİre``, ``ｃlaire``…: each used to be a fresh throttle key."""
    variants = ["claıre.bernardis1", "claİre.bernardis1", "ｃlaire.bernardis1",
                "claire.bernardiſ1", "CLAIRE.BERNARDIS1", "claire．bernardis1",
                "claire.bernardis１", "clairé.bernardis1", "cláire.bernardis1",
                "𝐜laire.bernardis1"]  # fmt: skip
    assert {canonical_identifier(v) for v in variants} == {claire.identifier}
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for typed in variants:
            traveller.shift(dt.timedelta(seconds=ratelimits.IDENTIFIER_POLICY.max_delay))
            client.post(reverse("accounts:login"), {"identifier": typed, "password": "x"})
        locked = client.post(
            reverse("accounts:login"),
            {"identifier": "cla\u0131re.bernardis1", "password": DEMO_PASSWORD},
        )
    assert locked.status_code == 429
    assert ratelimits.login_is_locked(identifier=claire.identifier)


# --- E-mail addresses ----------------------------------------------------------------------


def _cases(text: str) -> st.SearchStrategy[str]:
    return st.tuples(*(st.sampled_from([ch, ch.upper()]) for ch in text)).map("".join)


# The form takes only ASCII before the @ (Django's validator); the domain may be Unicode (IDNA).
EMAILS = st.one_of(
    st.tuples(_cases("louis.kessi"), spellings("ecole-saint-kilian.fr")),
    st.tuples(spellings("louis.kessi"), spellings("ecole-saint-kilian.fr")),
).map("@".join)


@PROPERTY
@given(typed=EMAILS)
def test_a_typed_email_reaches_an_account_only_under_that_accounts_one_key(
    claire: User, delivered, typed: str
) -> None:
    """Lost identifier by e-mail: the form's key, the rate-limit key, the lookup and the
    reminder journaled agree for every spelling the form accepts."""
    _fresh()
    form = ForgotIdentifierEmailForm(data={"email": typed})
    before = AuditEvent.objects.filter(event_type="identifier_reminder_sent").count()
    with delivered():
        response = Client().post(
            reverse("recovery:forgot_identifier"), {"channel": "email", "email": typed}
        )
    assert response.status_code in {302, 400}
    if not form.is_valid():
        assert response.status_code == 400
        return
    key = form.cleaned_data["email"]
    assert key == canonical_email(typed) == canonical_email(key)
    reaches = key == claire.email_key
    assert (ratelimits.hashed(key) == ratelimits.hashed(claire.email_key)) == reaches
    assert [user.pk for user in accounts_for_email(typed)] == ([claire.pk] if reaches else [])
    reminded = AuditEvent.objects.filter(event_type="identifier_reminder_sent")[before:]
    assert [event.subject_id for event in reminded] == ([claire.pk] if reaches else [])
    assert len(mail.outbox) == (1 if reaches else 0)


@pytest.mark.parametrize(
    ("typed", "reaches"),
    [
        ("Louis.Kessi@Ecole-Saint-Kilian.FR", True),
        ("louis.kessi@ecole-ſaint-kilian.fr", True),  # ſ is s, for Unicode and for DNS
        ("louis.kessi@ecole-saint-\u212ailian.fr", True),  # the Kelvin sign is k
        ("louis.kessi@ecole-saint-kılian.fr", False),  # ı is not i: PostgreSQL UPPER said so
        ("louis.kessi@écolé-saint-kilian.fr", False),  # another domain (IDNA)
    ],
)
def test_the_stored_key_is_looked_up_exactly(claire: User, typed: str, reaches: bool) -> None:
    assert (canonical_email(typed) == claire.email_key) == reaches
    assert bool(accounts_for_email(typed)) == reaches


@PROPERTY
@given(typed=st.text(max_size=60))
def test_the_keys_are_idempotent(typed: str) -> None:
    assert canonical_email(canonical_email(typed)) == canonical_email(typed)
    assert canonical_identifier(canonical_identifier(typed)) == canonical_identifier(typed)
