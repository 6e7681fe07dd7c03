"""Date formats of the portal per language, where Django's are ambiguous for families."""
