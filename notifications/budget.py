"""Sending budgets, per channel: the defence against SMS pumping and against using the portal
to flood a mailbox.

The per-destination budgets are counted on the notification log itself (an index on
destination and time serves them; there are at most the budget's few rows to read). The global
budget, whose rows grow with all traffic, is counted in the cache (Redis in production, shared
by every web process and worker) in one counter per channel, category and minute: a check reads
the 61 counters of the last hour in one round trip, whatever the traffic (counting
the last hour's rows read about 1,700 rows per message at the start-of-year rate). A counter is
incremented *before* the comparison and given back when the message is blocked, so parallel
requests cannot all pass the last place. The whole minute an hour ago still counts, so the
cache never allows more than the log would. When the counters are gone (a Redis flush or
restart), the first message after recounts the last hour from the log, so a flush does not
reset the budget.

Each message belongs to a category, by who can cause it to be sent:

- ``ACCOUNT``: a code or link the person asked for from their account (a password reset,
  including the link the secretariat sends); only someone who knows the identifier can ask,
  and the account's own quotas (``recovery.codes``) bound it;
- ``OPEN``: a code or link anyone can cause to be sent to a destination, knowing only names
  and a mobile (sign-up) or choosing the address (Mon compte's e-mail verification), or a code
  someone else may ask for (a merge code is asked for from another account, one of the same
  names: it must never use up the allowance of the account's own reset code);
- ``NOTICE``: everything else (notices, reminders, welcome, invitations).

A destination's budget is counted per category, and the global budget of a message counts
only its own category and the more protected ones: notices and open codes, however many,
never use up the allowance of the code a person asked for from their account. Settings:
``<SMS|EMAIL>_BUDGET_GLOBAL_PER_HOUR``, ``<SMS|EMAIL>_BUDGET_PER_DESTINATION_PER_HOUR`` and
``…_PER_DAY``. E-mail addresses are compared without case (one mailbox, whatever the case).
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from enum import IntEnum

from django.conf import settings
from django.core.cache import cache, caches
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMinute

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
    "account_merge_code": Category.OPEN,
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


MINUTES_COUNTED = 61  # the current minute and the 60 before it: at least the last hour
COUNTER_TIMEOUT = (MINUTES_COUNTED + 5) * 60
RECOUNTED_TIMEOUT = 2 * 3600


def _minute(moment: datetime) -> int:
    return int(moment.timestamp()) // 60


def _counter_key(channel: str, category: Category, minute: int) -> str:
    return f"budget:{channel}:{int(category)}:{minute}"


def _recounted_key(channel: str) -> str:
    return f"budget:{channel}:recounted"


def recount_if_lost(channel: str, now: datetime) -> None:
    """Rebuild the minute counters from the log when the cache lost them (one query, once)."""
    if cache.add(_recounted_key(channel), 1, timeout=RECOUNTED_TIMEOUT):
        _recount(channel, now)


def _recount(channel: str, now: datetime) -> None:
    since = now - timedelta(minutes=MINUTES_COUNTED)
    rows = (
        Notification.objects.filter(channel=channel, created_at__gte=since)
        .exclude(status=Notification.Status.BLOCKED)
        .annotate(minute=TruncMinute("created_at"))
        .values("minute", "template")
        .annotate(sent=Count("id"))
    )
    counts: dict[str, int] = {}
    for row in rows:
        key = _counter_key(channel, category_of(row["template"]), _minute(row["minute"]))
        counts[key] = counts.get(key, 0) + row["sent"]
    if counts:
        cache.set_many(counts, timeout=COUNTER_TIMEOUT)


def _count_in(key: str) -> None:
    cache.add(key, 0, timeout=COUNTER_TIMEOUT)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=COUNTER_TIMEOUT)


def _global_spent(channel: str, category: Category, now: datetime, limit: int) -> bool:
    """Count this message in its minute's counter, then compare the hour's total with
    ``limit``; a message over the limit is counted out again."""
    minute = _minute(now)
    mine = _counter_key(channel, category, minute)
    keys = [
        _counter_key(channel, counted, past)
        for counted in Category
        if counted <= category
        for past in range(minute - MINUTES_COUNTED + 1, minute + 1)
    ]
    if hasattr(caches["default"], "client_for_writes"):
        total = _counted_on_redis(channel, now, mine, keys)
    else:
        recount_if_lost(channel, now)
        _count_in(mine)
        total = sum(int(value) for value in cache.get_many(keys).values())
    if total <= limit:
        return False
    with contextlib.suppress(ValueError):
        cache.decr(mine)
    return True


def _counted_on_redis(channel: str, now: datetime, mine: str, keys: list[str]) -> int:
    """``recount_if_lost``, ``_count_in`` and the hour's sum in one atomic round trip
    (MULTI/EXEC) instead of four, the keys and values as Django's cache API writes them."""
    backend = caches["default"]
    client = backend.client_for_writes()  # type: ignore[attr-defined]
    counter, names = backend.make_key(mine), [backend.make_key(key) for key in keys]

    def count_in(*, check_lost: bool) -> tuple[bool, int]:
        pipe = client.pipeline(transaction=True)
        if check_lost:
            pipe.set(backend.make_key(_recounted_key(channel)), 1, ex=RECOUNTED_TIMEOUT, nx=True)
        pipe.set(counter, 0, ex=COUNTER_TIMEOUT, nx=True)
        pipe.incr(counter)
        pipe.mget(names)
        *answers, values = pipe.execute()
        lost = bool(answers[0]) if check_lost else False
        return lost, sum(int(value) for value in values if value is not None)

    lost, total = count_in(check_lost=True)
    if lost:  # the counters were gone: this count taken back, the log recounted, then counted
        client.decr(counter)
        _recount(channel, now)
        lost, total = count_in(check_lost=False)
    return total


def _global_give_back(channel: str, category: Category, now: datetime) -> None:
    with contextlib.suppress(ValueError):
        cache.decr(_counter_key(channel, category, _minute(now)))


def budget_exceeded(channel: str, destination: str, now: datetime, *, template: str = "") -> str:
    """``""`` when a message on ``channel`` to ``destination`` may be sent now (it is then
    counted in the global budget), else which budget is spent (``global_hourly``,
    ``destination_hourly``, ``destination_daily``)."""
    prefix = BUDGET_SETTING_PREFIX[Channel(channel)]
    category = category_of(template)
    sent = Notification.objects.filter(channel=channel).exclude(status=Notification.Status.BLOCKED)
    if _global_spent(channel, category, now, getattr(settings, f"{prefix}_BUDGET_GLOBAL_PER_HOUR")):
        return "global_hourly"
    spent = _destination_spent(sent, channel, destination, category, now, prefix)
    if spent:
        _global_give_back(channel, category, now)
    return spent


def _destination_spent(
    sent: QuerySet[Notification],
    channel: str,
    destination: str,
    category: Category,
    now: datetime,
    prefix: str,
) -> str:
    hour_ago = now - timedelta(hours=1)
    if channel == Channel.EMAIL:
        to_destination = sent.filter(destination__iexact=destination)
    else:
        to_destination = sent.filter(destination=destination)
    # Both windows in one statement: the day's rows to this destination, the hour's among them.
    day = _in_category(to_destination, category).filter(created_at__gte=now - timedelta(days=1))
    counts = day.aggregate(day=Count("pk"), hour=Count("pk", filter=Q(created_at__gte=hour_ago)))
    if counts["hour"] >= getattr(settings, f"{prefix}_BUDGET_PER_DESTINATION_PER_HOUR"):
        return "destination_hourly"
    if counts["day"] >= getattr(settings, f"{prefix}_BUDGET_PER_DESTINATION_PER_DAY"):
        return "destination_daily"
    return ""


def sms_budget_exceeded(destination: str, now: datetime, *, template: str = "") -> str:
    return budget_exceeded(Channel.SMS, destination, now, template=template)
