"""A stand-in for FranceConnect (v2) for the demo run and the tests: a real OpenID Connect
provider (django-oauth-toolkit) with its own RSA key, its own SQLite database and demo
identities carrying FranceConnect's claim names. ``python -m fake_franceconnect``."""
