"""The OpenID Connect provider's data: registered services, signing keys, consents, and the
back-channel logout messages sent to services.

``Client`` is django-oauth-toolkit's application model, swapped in
(``OAUTH2_PROVIDER_APPLICATION_MODEL``) so a service's registration lives in one row: what the
library needs (client id, hashed secret, exact redirect URIs, public or confidential) and what
schools need on top (back-channel logout URI, allowed scopes, sector of the pairwise subject).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from jwcrypto import jwk
from oauth2_provider.models import AbstractApplication

from notifications.secret_box import seal, unseal


class SigningKeyManager(models.Manager["SigningKey"]):
    def current(self) -> SigningKey:
        """The newest unretired key. With none in the database, the embedded run (DEBUG) makes
        one on first use; production runs ``manage.py rotate_oidc_key`` once (docs/IDENTITY.md)."""
        key = self.filter(retired_at=None).order_by("-created_at").first()
        if key is not None:
            return key
        if not settings.OIDC_GENERATE_KEY_ON_FIRST_USE:
            raise ImproperlyConfigured(
                "No OpenID Connect signing key: run `manage.py rotate_oidc_key` once"
            )
        return self.generate()

    def generate(self) -> SigningKey:
        private = jwk.JWK.generate(kty="RSA", size=settings.OIDC_RSA_KEY_BITS)
        pem = private.export_to_pem(private_key=True, password=None).decode()
        return self.create(kid=private.thumbprint(), private_key_sealed=seal({"pem": pem}))


class SigningKey(models.Model):
    """An RS256 key pair. The newest unretired one signs; a retired one stays in the JWKS until
    every token it signed has expired (``identity.keys``). The private half is encrypted at
    rest with a key derived from ``SECRET_KEY`` (notifications.secret_box)."""

    kid = models.CharField(_("identifiant de clé (kid)"), max_length=100, unique=True)
    private_key_sealed = models.TextField(_("clé privée chiffrée"))
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    retired_at = models.DateTimeField(_("retirée le"), null=True, blank=True)

    objects = SigningKeyManager()

    class Meta:
        verbose_name = _("clé de signature")
        verbose_name_plural = _("clés de signature")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.kid

    def jwk(self) -> jwk.JWK:
        """The private key; its thumbprint is the ``kid`` that tokens carry."""
        opened = unseal(self.private_key_sealed)
        if opened is None:
            raise ImproperlyConfigured(f"OpenID Connect key {self.kid} cannot be read")
        return jwk.JWK.from_pem(opened["pem"].encode())


class Client(AbstractApplication):
    """A service of the school (ENT, vie scolaire, téléservice) registered by the académie."""

    name: models.CharField[str, str] = models.CharField(_("nom du service"), max_length=255)
    redirect_uris: models.TextField[str, str] = models.TextField(
        _("adresses de retour"),
        help_text=_("Une adresse par ligne, comparée exactement (schéma, hôte, port, chemin)."),
    )
    post_logout_redirect_uris: models.TextField[str, str] = models.TextField(
        _("adresses après déconnexion"),
        blank=True,
        default="",
        help_text=_("Une adresse par ligne : où renvoyer la personne après sa déconnexion."),
    )
    backchannel_logout_uri: models.URLField[str, str] = models.URLField(
        _("adresse de déconnexion en arrière-plan"),
        blank=True,
        help_text=_(
            "OpenID Connect Back-Channel Logout : le portail y envoie un jeton de déconnexion "
            "signé quand la personne se déconnecte ou change de mot de passe."
        ),
    )
    client_type: models.CharField[str, str] = models.CharField(
        _("type de service"),
        max_length=32,
        choices=[
            (AbstractApplication.CLIENT_CONFIDENTIAL, _("Confidentiel (serveur avec un secret)")),
            (AbstractApplication.CLIENT_PUBLIC, _("Public (application sans secret, PKCE)")),
        ],
    )
    authorization_grant_type: models.CharField[str, str] = models.CharField(
        _("type d'autorisation"),
        max_length=44,
        choices=[(AbstractApplication.GRANT_AUTHORIZATION_CODE, _("Code d'autorisation"))],
        default=AbstractApplication.GRANT_AUTHORIZATION_CODE,
    )
    algorithm: models.CharField[str, str] = models.CharField(
        _("algorithme de signature"),
        max_length=5,
        choices=[(AbstractApplication.RS256_ALGORITHM, "RS256")],
        default=AbstractApplication.RS256_ALGORITHM,
    )
    skip_authorization: models.BooleanField[bool, bool] = models.BooleanField(
        _("sans demande de consentement"),
        default=False,
        help_text=_("Réservé aux services de l'académie : la personne n'a rien à accepter."),
    )
    allowed_scopes: models.CharField[str, str] = models.CharField(
        _("informations autorisées"),
        max_length=200,
        default="openid profile",
        help_text=_("Portées séparées par des espaces : openid, profile, scolarite."),
    )
    sector_identifier: models.CharField[str, str] = models.CharField(
        _("secteur"),
        max_length=200,
        blank=True,
        help_text=_(
            "Deux services d'un même secteur reçoivent le même identifiant de la personne. "
            "Vide : l'hôte de la première adresse de retour."
        ),
    )

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        verbose_name = _("service connecté")
        verbose_name_plural = _("services connectés")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or self.client_id

    def clean(self) -> None:
        """The library's checks, less "set OIDC_RSA_PRIVATE_KEY": our keys are in the database."""
        try:
            super().clean()
        except ValidationError as error:
            remaining = {
                field: messages
                for field, messages in error.message_dict.items()
                if field != "algorithm"
            }
            if remaining:
                raise ValidationError(remaining) from None

    @property
    def sector(self) -> str:
        """The pairwise sector (OpenID Connect Core §8.1): the registered one, else the host of
        the first redirect URI, as the specification says when no sector URI is registered."""
        if self.sector_identifier:
            return self.sector_identifier.strip().lower()
        first = (self.redirect_uris.split() or [""])[0]
        return (urlsplit(first).hostname or self.client_id).lower()

    @property
    def scope_list(self) -> list[str]:
        return self.allowed_scopes.split()

    @property
    def jwk_key(self) -> jwk.JWK:
        """ID tokens are signed with the portal's current key from the database."""
        return SigningKey.objects.current().jwk()


class Consent(models.Model):
    """What a person agreed a service may learn, and when they last used it (Mon compte)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_consents"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consents")
    scopes = models.CharField(_("informations partagées"), max_length=200)
    granted_at = models.DateTimeField(_("accordé le"), default=timezone.now)
    last_used_at = models.DateTimeField(_("dernière utilisation"), default=timezone.now)

    class Meta:
        verbose_name = _("consentement")
        verbose_name_plural = _("consentements")
        ordering = ["-last_used_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "client"], name="consent_one_per_service"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.client}"

    def covers(self, scopes: list[str]) -> bool:
        return set(scopes) <= set(self.scopes.split())


class RedeemedCode(models.Model):
    """An authorization code already exchanged, kept (as a digest) for a day: a second exchange
    of it is refused by the library and, as RFC 6749 §4.1.2 asks, revokes what the first one
    issued (``validators.PortalValidator.validate_code``)."""

    digest = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    redeemed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("code d'autorisation utilisé")
        verbose_name_plural = _("codes d'autorisation utilisés")

    def __str__(self) -> str:
        return f"{self.client} – {self.redeemed_at:%Y-%m-%d %H:%M}"


class BackchannelLogout(models.Model):
    """One logout token to deliver to one service; the worker sends it with retries."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        SENT = "sent", _("Envoyé")
        FAILED = "failed", _("Échec")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="logouts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    subject = models.CharField(_("identifiant pour le service (sub)"), max_length=100)
    reason = models.CharField(_("motif"), max_length=50)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.CharField(_("dernière erreur"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    # Last time a task was enqueued or started for it: beat enqueues again a queued row left
    # alone for too long (its task lost by the broker), as it does for messages.
    queued_at = models.DateTimeField(_("mis en file le"), default=timezone.now)

    class Meta:
        verbose_name = _("déconnexion en arrière-plan")
        verbose_name_plural = _("déconnexions en arrière-plan")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "queued_at"], name="logout_queued_idx")]

    def __str__(self) -> str:
        return f"{self.client} – {self.get_status_display()}"
