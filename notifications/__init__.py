"""Outbound SMS and e-mail: backends chosen by settings, and (issue 3) the notification log."""
