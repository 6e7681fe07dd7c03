"""Who may sign in, and so who may recover: one rule for the login and for recovery.

An account may sign in when it is active and either activated (its owner chose a password:
at self-registration, after a reset, or when changing a temporary one) or holding a
temporary password the school gave (``must_change_password``: a school-provisioned student
logs in with the letter's password and must change it at once, which activates the account).
Recovery sends a code, a link or a reminder only to an account that may sign in: helping
someone into an account they could not use would be the odd one out, and an account the
login refuses must not be reachable by another door.
"""

from __future__ import annotations

from django.db.models import Q

from accounts.models import User


def may_sign_in(user: User) -> bool:
    return bool(user.is_active) and (user.activated_at is not None or user.must_change_password)


def may_sign_in_q(prefix: str = "") -> Q:
    """``may_sign_in`` as a query filter; ``prefix`` is the path to the account (``account__``)."""
    return Q(**{f"{prefix}is_active": True}) & (
        Q(**{f"{prefix}activated_at__isnull": False}) | Q(**{f"{prefix}must_change_password": True})
    )
