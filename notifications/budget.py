"""Sending budgets, per channel: the defence against SMS pumping and against using the portal
to flood a mailbox.

Counted on the notification log itself, so every web process and worker shares one count.
A request that races past the limit by one message is acceptable; an attacker cannot.

Each message belongs to a category, by who can cause it to be sent:

- ``ACCOUNT``: a code or link the person asked for from their account (a password reset,
  including the link the secretariat sends); only someone who knows the identifier can ask,
  and the account's own quotas (``recovery.codes``) bound it;
- ``OPEN``: a code or link anyone can cause to be sent to a destination, knowing only names
  and a mobile (sign-up) or choosing the address (Mon compte's e-mail verification);
- ``NOTICE``: everything else (notices, reminders, welcome, invitations).

A destination's budget is counted per category, and the global budget of a message counts
only its own category and the more protected ones: notices and open codes, however many,
never use up the allowance of the code a person asked for from their account. Settings:
``<SMS|EMAIL>_BUDGET_GLOBAL_PER_HOUR``, ``<SMS|EMAIL>_BUDGET_PER_DESTINATION_PER_HOUR`` and
``…_PER_DAY``. E-mail addresses are compared without case (one mailbox, whatever the case).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import IntEnum

from django.conf import settings
from django.db.models import QuerySet

from core.channels import Channel
from notifications.models import Notification


class Category(IntEnum):
    """Lower is more protected."""

    ACCOUNT = 0
    OPEN = 1
    NOTICE = 2


CATEGORIES: dict[str, Category] = {
    "password_reset_code": Category.ACCOUNT,
    "password_reset_link": Category.ACCOUNT,
    "signup_code": Category.OPEN,
    "email_verification": Category.OPEN,
}
BUDGET_SETTING_PREFIX = {Channel.SMS: "SMS", Channel.EMAIL: "EMAIL"}


def category_of(template: str) -> Category:
    return CATEGORIES.get(template, Category.NOTICE)


def templates_in(categories: set[Category]) -> set[str]:
    return {template for template, category in CATEGORIES.items() if category in categories}


def _in_category(sent: QuerySet[Notification], category: Category) -> QuerySet[Notification]:
    if category is Category.NOTICE:
        return sent.exclude(template__in=CATEGORIES)
    return sent.filter(template__in=templates_in({category}))


def _at_least_as_protected(
    sent: QuerySet[Notification], category: Category
) -> QuerySet[Notification]:
    if category is Category.NOTICE:
        return sent
    return sent.filter(template__in=templates_in({c for c in Category if c <= category}))


def budget_exceeded(channel: str, destination: str, now: datetime, *, template: str = "") -> str:
    """``""`` when a message on ``channel`` to ``destination`` may be sent now, else which
    budget is spent (``global_hourly``, ``destination_hourly``, ``destination_daily``)."""
    prefix = BUDGET_SETTING_PREFIX[Channel(channel)]
    category = category_of(template)
    sent = Notification.objects.filter(channel=channel).exclude(status=Notification.Status.BLOCKED)
    hour_ago = now - timedelta(hours=1)
    everywhere = _at_least_as_protected(sent, category).filter(created_at__gte=hour_ago)
    if everywhere.count() >= getattr(settings, f"{prefix}_BUDGET_GLOBAL_PER_HOUR"):
        return "global_hourly"
    if channel == Channel.EMAIL:
        to_destination = sent.filter(destination__iexact=destination)
    else:
        to_destination = sent.filter(destination=destination)
    to_destination = _in_category(to_destination, category)
    if to_destination.filter(created_at__gte=hour_ago).count() >= getattr(
        settings, f"{prefix}_BUDGET_PER_DESTINATION_PER_HOUR"
    ):
        return "destination_hourly"
    if to_destination.filter(created_at__gte=now - timedelta(days=1)).count() >= getattr(
        settings, f"{prefix}_BUDGET_PER_DESTINATION_PER_DAY"
    ):
        return "destination_daily"
    return ""


def sms_budget_exceeded(destination: str, now: datetime, *, template: str = "") -> str:
    return budget_exceeded(Channel.SMS, destination, now, template=template)
