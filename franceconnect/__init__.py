"""FranceConnect for parents: an OpenID Connect client of FranceConnect (v2), the link between a
FranceConnect identity (its ``sub``) and an account, first-time activation through
self-registration's steps, and logout at FranceConnect (docs/FRANCECONNECT.md)."""
