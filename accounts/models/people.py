"""Accounts, what people own: the user, the identifiers it signs in with, staff memberships and
invitations. A parent account links to the Guardian rows it proved, a student account to one
Student."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.managers import UserManager
from accounts.models.roster import Establishment, Student


class User(AbstractBaseUser, PermissionsMixin):  # type: ignore[django-manager-missing]  # identity.Client.user: its base (django-oauth-toolkit) is untyped
    class Kind(models.TextChoices):
        PARENT = "parent", _("Représentant légal")
        STUDENT = "student", _("Élève")
        STAFF = "staff", _("Personnel de l'établissement")

    identifier = models.CharField(_("identifiant"), max_length=150, unique=True)
    kind = models.CharField(_("type de compte"), max_length=10, choices=Kind.choices)
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # ``core.text.canonical_email(email)``, written with every e-mail (``accounts.services.
    # user_email_set``): what a typed address is looked up on, exactly.
    email_key = models.CharField(max_length=320, blank=True, db_index=True, editable=False)
    email_verified_at = models.DateTimeField(_("e-mail vérifié le"), null=True, blank=True)
    must_change_password = models.BooleanField(_("doit changer son mot de passe"), default=False)
    password_changed_at = models.DateTimeField(
        _("mot de passe défini le"), default=timezone.now, db_index=True
    )
    # The renewal campaign that last required a new password of this account (console app):
    # set in the campaign's single UPDATE, so its progress is a cheap count on this column.
    renewal_campaign = models.ForeignKey(
        "console.RenewalCampaign",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("campagne de renouvellement"),
    )
    activated_at = models.DateTimeField(_("activé le"), null=True, blank=True)
    student = models.OneToOneField(
        Student,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="account",
        verbose_name=_("élève"),
    )
    is_active = models.BooleanField(_("actif"), default=True)
    is_staff = models.BooleanField(_("accès à l'administration"), default=False)
    date_joined = models.DateTimeField(_("créé le"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "identifier"
    REQUIRED_FIELDS = ["kind"]

    class Meta:
        verbose_name = _("compte")
        verbose_name_plural = _("comptes")
        constraints = [
            models.UniqueConstraint(Lower("identifier"), name="user_identifier_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(identifier=Lower("identifier")),
                name="user_identifier_lowercase",
            ),
            models.CheckConstraint(
                condition=models.Q(student__isnull=True) | models.Q(kind="student"),
                name="user_student_link_only_for_students",
            ),
            models.CheckConstraint(
                condition=models.Q(email_verified_at__isnull=True) | ~models.Q(email=""),
                name="user_verified_email_not_blank",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["parent", "student", "staff"]),
                name="user_kind_known",
            ),
            models.CheckConstraint(condition=~models.Q(identifier=""), name="user_identifier_set"),
            models.CheckConstraint(
                condition=models.Q(email="", email_key="")
                | (~models.Q(email="") & ~models.Q(email_key="")),
                name="user_email_key_with_email",
            ),
        ]

    def __str__(self) -> str:
        return self.identifier

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.identifier

    def get_short_name(self) -> str:
        return self.first_name or self.identifier

    @property
    def has_verified_email(self) -> bool:
        return bool(self.email) and self.email_verified_at is not None


class IdentifierAlias(models.Model):
    """Another identifier that signs in to an account: the identifier of an account merged into
    it (``merged``), the one its owner chose (``chosen``, at most one live), or one they chose
    before (``retired``: it no longer signs in but stays reserved for them).

    An identifier is unique across ``User.identifier`` and this table
    (``accounts.aliases.identifier_is_taken``); a row is never deleted, so a former identifier
    never goes to another person.
    """

    class Kind(models.TextChoices):
        MERGED = "merged", _("identifiant d'un compte regroupé")
        CHOSEN = "chosen", _("identifiant personnalisé")
        RETIRED = "retired", _("ancien identifiant personnalisé")

    identifier = models.CharField(_("identifiant"), max_length=150, unique=True)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("compte")
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        verbose_name = _("autre identifiant")
        verbose_name_plural = _("autres identifiants")
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(identifier=Lower("identifier")),
                name="alias_identifier_lowercase",
            ),
            models.CheckConstraint(condition=~models.Q(identifier=""), name="alias_identifier_set"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["merged", "chosen", "retired"]),
                name="alias_kind_known",
            ),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(kind="chosen"), name="alias_one_chosen"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} → {self.user}"


class StaffMembership(models.Model):
    class Role(models.TextChoices):
        SECRETARIAT = "secretariat", _("Secrétariat")
        VIE_SCOLAIRE = "vie_scolaire", _("Vie scolaire / CPE")
        HEAD = "direction", _("Direction")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("compte")
    )
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("établissement"),
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rattachement du personnel")
        verbose_name_plural = _("rattachements du personnel")
        constraints = [
            models.UniqueConstraint(fields=["user", "establishment"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.establishment} ({self.get_role_display()})"


class StaffMember(User):  # type: ignore[django-manager-missing]  # as User (identity.Client.user)
    """Staff accounts as the console's staff pages show them (a proxy of User: no table)."""

    class Meta:
        proxy = True
        verbose_name = _("membre du personnel")
        verbose_name_plural = _("personnel")


class StaffInvitation(models.Model):
    """A single-use link for one staff member to set a password and enrol a second factor.

    Enrolment needs proof given out of band: the link goes to the member's own
    address or is printed by the administrator who created them. Only a keyed hash of the
    token is stored (``accounts.twofactor.invitations``); a newer invitation revokes the older.
    """

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="staff_invitations",
        verbose_name=_("membre du personnel"),
    )
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créée par"),
    )
    email = models.EmailField(_("envoyée à"), blank=True)
    token_hash = models.CharField(max_length=64, db_index=True, editable=False)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"))
    consumed_at = models.DateTimeField(_("utilisée le"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation du personnel")
        verbose_name_plural = _("invitations du personnel")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="invitation_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} – {self.created_at:%Y-%m-%d %H:%M}"

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def is_live(self, now: datetime) -> bool:
        return self.consumed_at is None and self.revoked_at is None and not self.is_expired(now)
