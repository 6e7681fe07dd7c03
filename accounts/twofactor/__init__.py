"""Staff second factor: TOTP authenticator apps and single-use recovery codes (django-otp)."""
