"""Kept for the landed migration ``0001_initial``, which names ``accounts.uai.validate_uai``; the
UAI rules live in ``core.uai``."""

from core.uai import validate_uai

__all__ = ["validate_uai"]
