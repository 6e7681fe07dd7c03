"""Roster (what the school declared) and accounts (what people own).

Roster rows are re-imported every year; accounts outlive them. A parent account links to the
Guardian rows it proved, a student account to one Student.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.events import EventType, event_label
from accounts.managers import UserManager
from core.uai import validate_uai


class Establishment(models.Model):
    class Kind(models.TextChoices):
        ECOLE = "ecole", _("École")
        COLLEGE = "college", _("Collège")
        LYCEE = "lycee", _("Lycée")
        LYCEE_PRO = "lycee_pro", _("Lycée professionnel")
        OTHER = "autre", _("Autre")

    uai = models.CharField(_("code UAI"), max_length=8, unique=True, validators=[validate_uai])
    name = models.CharField(pgettext_lazy("establishment", "nom"), max_length=200)
    academie = models.CharField(_("académie"), max_length=100, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.COLLEGE)
    secretariat_phone = models.CharField(_("téléphone du secrétariat"), max_length=30, blank=True)
    secretariat_email = models.EmailField(_("e-mail du secrétariat"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("établissement")
        verbose_name_plural = _("établissements")
        ordering = ["name"]
        permissions = [("import_roster", _("Peut importer l'annuaire de l'établissement"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(uai__regex=r"^[0-9]{7}[A-Z]$"), name="establishment_uai_shape"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.uai})"


class Student(models.Model):
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.PROTECT,
        related_name="students",
        verbose_name=_("établissement"),
    )
    external_id = models.CharField(_("identifiant SIECLE"), max_length=30, blank=True)
    ine = models.CharField(_("INE"), max_length=11, blank=True)
    last_name = models.CharField(_("nom"), max_length=150)
    first_name = models.CharField(_("prénom"), max_length=150)
    birth_date = models.DateField(_("date de naissance"))
    class_name = models.CharField(_("classe"), max_length=50, blank=True)
    left_on = models.DateField(_("date de sortie"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("élève")
        verbose_name_plural = _("élèves")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["ine"], condition=~models.Q(ine=""), name="student_unique_ine"
            ),
            models.UniqueConstraint(
                fields=["establishment", "external_id"],
                condition=~models.Q(external_id=""),
                name="student_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Guardian(models.Model):
    """One guardian as one establishment declared them; the same person may appear per school."""

    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.PROTECT,
        related_name="guardians",
        verbose_name=_("établissement"),
    )
    external_id = models.CharField(_("identifiant SIECLE"), max_length=30, blank=True)
    last_name = models.CharField(_("nom"), max_length=150)
    first_name = models.CharField(_("prénom"), max_length=150)
    mobile = models.CharField(
        _("mobile"), max_length=16, blank=True, help_text=_("Format international E.164.")
    )
    email = models.EmailField(_("e-mail déclaré"), blank=True)
    accepts_sms = models.BooleanField(_("accepte les SMS"), default=True)
    account = models.ForeignKey(
        "User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="guardian_records",
        verbose_name=_("compte"),
    )
    students: models.ManyToManyField[Student, Guardianship] = models.ManyToManyField(
        Student, through="Guardianship", related_name="guardians"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("responsable")
        verbose_name_plural = _("responsables")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "external_id"],
                condition=~models.Q(external_id=""),
                name="guardian_unique_external_id",
            ),
            models.CheckConstraint(
                condition=models.Q(mobile="") | models.Q(mobile__startswith="+"),
                name="guardian_mobile_e164",
            ),
        ]
        indexes = [models.Index(fields=["mobile"], name="guardian_mobile_idx")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Guardianship(models.Model):
    class Relationship(models.TextChoices):
        MOTHER = "mere", _("Mère")
        FATHER = "pere", _("Père")
        TUTOR = "tuteur", _("Tuteur ou tutrice")
        OTHER_FAMILY = "famille", _("Autre membre de la famille")
        OTHER = "autre", _("Autre")

    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="guardianships", verbose_name=_("élève")
    )
    guardian = models.ForeignKey(
        Guardian,
        on_delete=models.CASCADE,
        related_name="guardianships",
        verbose_name=_("responsable"),
    )
    responsibility_level = models.PositiveSmallIntegerField(
        _("niveau de responsabilité"),
        default=1,
        help_text=_("1 : représentant légal ; 2 : personne en charge ; 3 : contact."),
    )
    relationship = models.CharField(
        _("lien de parenté"),
        max_length=20,
        choices=Relationship.choices,
        default=Relationship.OTHER,
    )

    class Meta:
        verbose_name = _("lien élève-responsable")
        verbose_name_plural = _("liens élève-responsable")
        constraints = [
            models.UniqueConstraint(fields=["student", "guardian"], name="guardianship_unique"),
            models.CheckConstraint(
                condition=models.Q(responsibility_level__gte=1, responsibility_level__lte=9),
                name="guardianship_level_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guardian} → {self.student}"

    @property
    def is_legal_guardian(self) -> bool:
        """Level 1 in SIECLE (``NIVEAU_RESPONSABILITE``): only they may self-register."""
        return self.responsibility_level == 1


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


class AuditEvent(models.Model):
    """Append-only journal: rows are only ever created, through ``accounts.audit.record``."""

    Type = EventType

    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    event_type = models.CharField(_("événement"), max_length=50)
    actor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events_as_actor",
        verbose_name=_("auteur"),
    )
    subject = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("compte concerné"),
    )
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("établissement"),
    )
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=300, blank=True)
    details = models.JSONField(_("détails"), default=dict, blank=True)

    class Meta:
        verbose_name = _("événement du journal")
        verbose_name_plural = _("journal d'activité")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["subject", "-created_at"], name="audit_subject_idx")]

    def __str__(self) -> str:
        return f"{self.get_event_type_display()} – {self.created_at:%Y-%m-%d %H:%M}"

    def get_event_type_display(self) -> str:
        return event_label(self.event_type)


class UserSession(models.Model):
    """One signed-in browser: what *Mon compte* lists and what "end other sessions" ends."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="browser_sessions", verbose_name=_("compte")
    )
    session_key = models.CharField(max_length=40, unique=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("connecté le"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("dernière activité"), default=timezone.now)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.user} – {self.last_seen_at:%Y-%m-%d %H:%M}"


class KnownDevice(models.Model):
    """A browser an account signed in from (``accounts.known_devices``), known by the hash of
    the random value of its device cookie. A login from a browser unseen for
    ``KNOWN_DEVICE_DAYS`` is a login from a new device."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="known_devices", verbose_name=_("compte")
    )
    token_hash = models.CharField(max_length=64)
    label = models.CharField(_("appareil"), max_length=100, blank=True)
    first_seen_at = models.DateTimeField(_("première connexion"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("dernière connexion"), default=timezone.now)
    last_ip_address = models.GenericIPAddressField(_("dernière adresse IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("appareil connu")
        verbose_name_plural = _("appareils connus")
        constraints = [
            models.UniqueConstraint(fields=["user", "token_hash"], name="known_device_per_user"),
        ]
        indexes = [models.Index(fields=["last_seen_at"], name="known_device_seen_idx")]

    def __str__(self) -> str:
        return f"{self.user} – {self.label}"


class AttachmentReport(models.Model):
    """A parent saying "I am not the legal guardian of this child", for the school to handle."""

    class Status(models.TextChoices):
        OPEN = "open", _("À traiter")
        DETACHED = "detached", _("Enfant détaché")
        DISMISSED = "dismissed", _("Classé sans suite")

    reporter = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachment_reports",
        verbose_name=_("signalé par"),
    )
    guardian = models.ForeignKey(
        Guardian,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("fiche responsable"),
    )
    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="reports", verbose_name=_("élève")
    )
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.CASCADE,
        related_name="attachment_reports",
        verbose_name=_("établissement"),
    )
    comment = models.TextField(_("commentaire du parent"), blank=True, max_length=1000)
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    resolution_comment = models.TextField(_("réponse de l'établissement"), blank=True)
    created_at = models.DateTimeField(_("signalé le"), default=timezone.now)
    resolved_at = models.DateTimeField(_("traité le"), null=True, blank=True)

    class Meta:
        verbose_name = _("signalement de rattachement")
        verbose_name_plural = _("signalements de rattachement")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "student"],
                condition=models.Q(status="open"),
                name="report_one_open_per_child",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} ({self.get_status_display()})"
