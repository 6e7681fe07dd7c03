"""``/metrics``: what operators scrape, parsed with prometheus-client's own text parser, and who
may scrape it (the bearer token of ``METRICS_TOKEN``; everyone else gets a 404)."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from accounts.models import Establishment, User
from core import metrics
from notifications import delivery, secret_box
from notifications.models import Notification
from roster.imports.records import RosterFileError
from roster.imports.service import roster_import
from tests.conftest import DEMO_PASSWORD
from tests.recovery.conftest import ask_reset

pytestmark = pytest.mark.django_db

TOKEN = "scrape-" + "t" * 40
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(autouse=True)
def _token(settings) -> None:
    settings.METRICS_TOKEN = TOKEN


@pytest.fixture
def delivered(django_capture_on_commit_callbacks):
    """``with delivered(): client.post(...)``: run what the request enqueued, as a worker would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def scrape(client: Client | None = None) -> Samples:
    response = (client or Client()).get(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


# --- who may scrape --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", TOKEN],
    ids=["none", "wrong", "not-bearer", "longer", "no-scheme"],
)
def test_it_is_a_404_without_the_right_bearer_token(client: Client, authorization: str) -> None:
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = client.get(reverse("metrics"), **headers)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert b"portal_" not in response.content


def test_it_does_not_exist_when_no_token_is_configured(client: Client, settings) -> None:
    settings.METRICS_TOKEN = ""
    response = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_it_names_every_documented_metric() -> None:
    names = {name for name, _labels in scrape()}
    documentation = (Path(__file__).parents[1] / "docs" / "OPERATIONS.md").read_text()
    for spec in (*metrics.COUNTERS, *metrics.HISTOGRAMS):
        assert f"`{spec.name}" in documentation, spec.name
    for gauge in ("portal_queue_depth", "portal_queue_oldest_age_seconds"):
        assert any(name == gauge for name in names), gauge
        assert f"`{gauge}" in documentation


# --- what is counted -------------------------------------------------------------------------


def test_logins_are_counted_by_outcome_and_method(client: Client, parent: User) -> None:
    before = scrape()
    login = reverse("accounts:login")
    client.post(login, {"identifier": parent.identifier, "password": "Pas-Le-Bon-1"})
    client.post(login, {"identifier": "personne.inconnue9", "password": "Pas-Le-Bon-2"})
    assert (
        client.post(login, {"identifier": parent.identifier, "password": DEMO_PASSWORD}).status_code
        == HTTPStatus.FOUND
    )
    after = scrape()

    def delta(outcome: str) -> float:
        name = "portal_logins_total"
        labels = {"outcome": outcome, "method": "password"}
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("failed") == 2  # a known and an unknown identifier count alike
    assert delta("succeeded") == 1
    assert not any("personne" in str(labels) for _name, labels in after)


def test_a_429_is_counted_under_its_policy(client: Client, settings) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "forgot_password": "1/15m/key,20/h/ip"}
    before = scrape()
    assert ask_reset(client, "camille.martin1").status_code == HTTPStatus.FOUND
    assert ask_reset(client, "camille.martin1").status_code == HTTPStatus.TOO_MANY_REQUESTS
    after = scrape()
    name, labels = "portal_rate_limited_total", {"policy": "forgot_password"}
    assert value(after, name, **labels) - value(before, name, **labels) == 1


def test_a_code_sent_by_sms_is_counted_with_its_send_latency(
    client: Client, parent: User, delivered
) -> None:
    before = scrape()
    with delivered():
        assert ask_reset(client, parent.identifier).status_code == HTTPStatus.FOUND
    after = scrape()

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("portal_codes_issued_total", channel="sms", purpose="password_reset") == 1
    assert delta("portal_notification_sends_total", channel="sms", outcome="sent") == 1
    assert delta("portal_notification_send_seconds_count", channel="sms") == 1
    assert delta("portal_notification_send_seconds_bucket", channel="sms", le="+Inf") == 1
    assert value(after, "portal_notifications", channel="sms", status="sent") >= 1


def test_a_send_stores_its_outcome_and_latency_in_one_round_trip(
    parent: User, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:
    from notifications.services import notification_send

    with django_capture_on_commit_callbacks(execute=False):  # sent below, by hand
        notification = notification_send(
            channel="sms",
            destination="+33612345678",
            template="password_reset_code",
            secrets={"code": "482913"},
            user=parent,
        )
    before = scrape()
    stored: list[list[tuple[str, str, float]]] = []
    real_add = metrics._store.add
    monkeypatch.setattr(
        metrics._store, "add", lambda items: (stored.append(list(items)), real_add(items))
    )
    delivery.deliver(notification.pk)
    assert len(stored) == 1
    after = scrape()
    sends = ("portal_notification_sends_total", {"channel": "sms", "outcome": "sent"})
    latency = ("portal_notification_send_seconds_count", {"channel": "sms"})
    for name, labels in (sends, latency):
        assert value(after, name, **labels) - value(before, name, **labels) == 1


def test_batched_increments_are_stored_even_when_the_block_raises() -> None:
    before = scrape()
    with pytest.raises(RuntimeError), metrics.batched():
        metrics.count(metrics.RATE_LIMITED, policy="signup")
        with metrics.batched():  # nested: stored by the outer one, once
            metrics.count(metrics.RATE_LIMITED, policy="signup")
        raise RuntimeError("the send failed")
    after = scrape()
    name = "portal_rate_limited_total"
    assert value(after, name, policy="signup") - value(before, name, policy="signup") == 2


def test_a_code_refused_by_the_quota_is_counted_as_blocked(
    client: Client, parent: User, delivered
) -> None:
    with delivered():
        ask_reset(client, parent.identifier)
    before = scrape()
    with delivered():
        ask_reset(client, parent.identifier)  # within the resend cool-down
    after = scrape()
    name, labels = "portal_codes_blocked_total", {"channel": "sms", "reason": "quota"}
    assert value(after, name, **labels) - value(before, name, **labels) == 1


def test_queue_depth_and_the_oldest_message_age_come_from_the_log() -> None:
    row = Notification.objects.create(
        channel="sms",
        destination="+33612345678",
        template="password_reset_code",
        body="Portail des familles : votre code est ••••••.",
        secret_payload=secret_box.seal({"subject": "", "text": "Code 424242", "html": ""}),
    )
    Notification.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(hours=1))
    samples = scrape()
    assert value(samples, "portal_queue_depth", channel="sms") == 1
    assert value(samples, "portal_queue_depth", channel="email") == 0
    assert 3600 <= value(samples, "portal_queue_oldest_age_seconds", channel="sms") < 3700
    assert value(samples, "portal_notifications", channel="sms", status="queued") == 1

    delivery.deliver(row.pk)
    samples = scrape()
    assert value(samples, "portal_queue_depth", channel="sms") == 0
    assert value(samples, "portal_queue_oldest_age_seconds", channel="sms") == 0


def test_an_import_is_timed_by_mode_and_outcome(college: Establishment) -> None:
    before = scrape()
    with pytest.raises(RosterFileError):
        roster_import(establishment=college, files=[], apply=False)
    after = scrape()
    name = "portal_roster_import_seconds_count"
    labels = {"mode": "dry_run", "outcome": "refused"}
    assert value(after, name, **labels) - value(before, name, **labels) == 1


def test_a_label_value_cannot_be_what_a_person_typed() -> None:
    with pytest.raises(ValueError, match="lower-case word"):
        metrics.count(metrics.LOGINS, outcome="patrick.dupont1", method="password")
    with pytest.raises(ValueError, match="takes the labels"):
        metrics.count(metrics.LOGINS, outcome="failed")
