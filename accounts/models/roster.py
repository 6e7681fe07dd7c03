"""The roster: what the schools declared (establishments, students, legal guardians and the
links between them), re-imported every year."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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
