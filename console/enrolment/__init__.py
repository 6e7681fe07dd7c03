"""A staff member's way into the console: open the invitation, set (or confirm) the password,
enrol an authenticator app, note the recovery codes."""
