"""A demo relying party of the portal's OpenID Connect provider (docs/IDENTITY.md)."""
