"""Roster and accounts: establishments, students, guardians, users, staff and the audit log."""
