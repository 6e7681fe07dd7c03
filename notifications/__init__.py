"""Outbound SMS and e-mail: the notification log, sending, backends chosen by settings."""
