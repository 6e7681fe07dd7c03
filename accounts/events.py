"""The types of the audit journal's events, with the label people read for each.

Types are plain string constants, not database choices: a new type needs no migration (as
Zulip keeps its ``event_type`` constants in code). Each constant has its French label here, and
only here.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class EventType:
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    ACCOUNT_CREATED = "account_created"
    PASSWORD_CHANGED = "password_changed"
    SMS_BLOCKED = "sms_blocked"
    SESSION_ENDED = "session_ended"
    EMAIL_CHANGE_REQUESTED = "email_change_requested"
    EMAIL_VERIFIED = "email_verified"
    ATTACHMENT_REPORTED = "attachment_reported"
    TWO_FACTOR_ENROLLED = "two_factor_enrolled"
    TWO_FACTOR_SUCCEEDED = "two_factor_succeeded"
    TWO_FACTOR_FAILED = "two_factor_failed"
    TEMPORARY_PASSWORD_SET = "temporary_password_set"
    ACCOUNT_DEACTIVATED = "account_deactivated"
    ACCOUNT_REACTIVATED = "account_reactivated"
    CONTACT_CHANGED = "contact_changed"
    ATTACHMENT_RESOLVED = "attachment_resolved"
    INVITATION_SENT = "invitation_sent"
    ROSTER_IMPORTED = "roster_imported"
    ROSTER_CORRECTION_DROPPED = "roster_correction_dropped"
    LOGIN_UNLOCKED = "login_unlocked"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"
    PASSWORD_RESET = "password_reset"
    IDENTIFIER_REMINDER_SENT = "identifier_reminder_sent"
    LOGIN_LOCKED = "login_locked"
    SIGNUP_CODE_SENT = "signup_code_sent"
    SIGNUP_BLOCKED = "signup_blocked"
    # A reset code or link the account's own quotas refused (recovery.codes.quota_refusal).
    RESET_CODE_HELD_COOLDOWN = "reset_code_held_cooldown"
    RESET_CODE_HELD_HOURLY = "reset_code_held_hourly"
    RESET_CODE_HELD_DAILY = "reset_code_held_daily"
    # The identity provider (identity/): services registered by the académie, consents, logouts.
    OIDC_CLIENT_CREATED = "oidc_client_created"
    OIDC_CLIENT_CHANGED = "oidc_client_changed"
    OIDC_CLIENT_DELETED = "oidc_client_deleted"
    OIDC_CLIENT_SECRET_ROTATED = "oidc_client_secret_rotated"
    OIDC_SIGNING_KEY_ROTATED = "oidc_signing_key_rotated"
    OIDC_CONSENT_GRANTED = "oidc_consent_granted"
    OIDC_CONSENT_WITHDRAWN = "oidc_consent_withdrawn"
    OIDC_BACKCHANNEL_LOGOUT_QUEUED = "oidc_backchannel_logout_queued"
    OIDC_CODE_REUSED = "oidc_code_reused"
    STAFF_INVITATION_SENT = "staff_invitation_sent"
    TWO_FACTOR_RESET = "two_factor_reset"
    CURRENT_PASSWORD_FAILED = "current_password_failed"
    EMAIL_BLOCKED = "email_blocked"
    RENEWAL_CAMPAIGN_STARTED = "renewal_campaign_started"
    # A login from a device the account had not used in 90 days (accounts.known_devices).
    NEW_DEVICE_ALERTED = "new_device_alerted"
    NEW_DEVICE_ALERT_HELD = "new_device_alert_held"
    NEW_DEVICE_UNREACHABLE = "new_device_unreachable"
    # Merging two accounts of one person (accounts/merge.py), and identifiers people keep.
    ACCOUNT_MERGED = "account_merged"
    ACCOUNT_MERGED_INTO = "account_merged_into"
    MERGE_PROOF_FAILED = "merge_proof_failed"
    # A code to prove this account for a merge into another one (recovery.deliveries.merge_code).
    MERGE_CODE_SENT = "merge_code_sent"
    MERGE_CODE_HELD = "merge_code_held"
    IDENTIFIER_ALIAS_CHOSEN = "identifier_alias_chosen"
    SIGNUP_RECORDS_ATTACHED = "signup_records_attached"
    # FranceConnect (franceconnect/): an identity tied to an account, or untied from it.
    FRANCECONNECT_LINKED = "franceconnect_linked"
    FRANCECONNECT_UNLINKED = "franceconnect_unlinked"
    # Passkeys (passkeys/): added or removed by the owner in Mon compte.
    PASSKEY_ADDED = "passkey_added"
    PASSKEY_REMOVED = "passkey_removed"


LABELS: dict[str, Promise] = {
    EventType.LOGIN_SUCCEEDED: _("Connexion réussie"),
    EventType.LOGIN_FAILED: _("Échec de connexion"),
    EventType.LOGOUT: _("Déconnexion"),
    EventType.ACCOUNT_CREATED: _("Compte créé"),
    EventType.PASSWORD_CHANGED: _("Mot de passe modifié"),
    EventType.SMS_BLOCKED: _("SMS bloqué (budget dépassé)"),
    EventType.SESSION_ENDED: _("Session fermée"),
    EventType.EMAIL_CHANGE_REQUESTED: _("Nouvelle adresse e-mail demandée"),
    EventType.EMAIL_VERIFIED: _("Adresse e-mail vérifiée"),
    EventType.ATTACHMENT_REPORTED: _("Rattachement signalé comme erroné"),
    EventType.TWO_FACTOR_ENROLLED: _("Double authentification activée"),
    EventType.TWO_FACTOR_SUCCEEDED: _("Double authentification réussie"),
    EventType.TWO_FACTOR_FAILED: _("Échec de la double authentification"),
    EventType.TEMPORARY_PASSWORD_SET: _("Mot de passe provisoire attribué"),
    EventType.ACCOUNT_DEACTIVATED: _("Compte désactivé"),
    EventType.ACCOUNT_REACTIVATED: _("Compte réactivé"),
    EventType.CONTACT_CHANGED: _("Coordonnées modifiées"),
    EventType.ATTACHMENT_RESOLVED: _("Signalement de rattachement traité"),
    EventType.INVITATION_SENT: _("Invitation à s'inscrire envoyée"),
    EventType.ROSTER_IMPORTED: _("Annuaire importé"),
    EventType.ROSTER_CORRECTION_DROPPED: _("Correction abandonnée : valeur de SIECLE reprise"),
    EventType.LOGIN_UNLOCKED: _("Connexion débloquée"),
    EventType.PASSWORD_RESET_REQUESTED: _("Nouveau mot de passe demandé"),
    EventType.PASSWORD_RESET: _("Mot de passe réinitialisé"),
    EventType.IDENTIFIER_REMINDER_SENT: _("Identifiant renvoyé"),
    EventType.LOGIN_LOCKED: _("Connexion bloquée temporairement"),
    EventType.SIGNUP_CODE_SENT: _("Code de création de compte envoyé"),
    EventType.SIGNUP_BLOCKED: _("Inscription interrompue (dates de naissance)"),
    EventType.RESET_CODE_HELD_COOLDOWN: _(
        "Code ou lien de nouveau mot de passe non envoyé "
        "(redemandé aussitôt : le précédent vient de partir)"
    ),
    EventType.RESET_CODE_HELD_HOURLY: _(
        "Code ou lien de nouveau mot de passe non envoyé (limite d'envois de l'heure atteinte)"
    ),
    EventType.RESET_CODE_HELD_DAILY: _(
        "Code ou lien de nouveau mot de passe non envoyé (limite d'envois de la journée atteinte)"
    ),
    EventType.OIDC_CLIENT_CREATED: _("Service connecté enregistré"),
    EventType.OIDC_CLIENT_CHANGED: _("Service connecté modifié"),
    EventType.OIDC_CLIENT_DELETED: _("Service connecté supprimé"),
    EventType.OIDC_CLIENT_SECRET_ROTATED: _("Secret d'un service connecté renouvelé"),
    EventType.OIDC_SIGNING_KEY_ROTATED: _("Clé de signature des jetons renouvelée"),
    EventType.OIDC_CONSENT_GRANTED: _("Accès accordé à un service"),
    EventType.OIDC_CONSENT_WITHDRAWN: _("Accès retiré à un service"),
    EventType.OIDC_BACKCHANNEL_LOGOUT_QUEUED: _("Déconnexion des services demandée"),
    EventType.OIDC_CODE_REUSED: _("Code d'autorisation réutilisé : accès du service révoqué"),
    EventType.STAFF_INVITATION_SENT: _("Invitation du personnel à activer son accès envoyée"),
    EventType.TWO_FACTOR_RESET: _("Double authentification réinitialisée"),
    EventType.CURRENT_PASSWORD_FAILED: _("Mot de passe actuel incorrect (Mon compte)"),
    EventType.EMAIL_BLOCKED: _("E-mail bloqué (budget dépassé)"),
    EventType.RENEWAL_CAMPAIGN_STARTED: _("Campagne de renouvellement des mots de passe lancée"),
    EventType.NEW_DEVICE_ALERTED: _("Connexion depuis un nouvel appareil : alerte envoyée"),
    EventType.NEW_DEVICE_ALERT_HELD: _(
        "Connexion depuis un nouvel appareil : alerte non envoyée "
        "(plusieurs alertes déjà envoyées ces dernières 24 heures)"
    ),
    EventType.NEW_DEVICE_UNREACHABLE: _(
        "Connexion depuis un nouvel appareil : alerte non envoyée "
        "(ni mobile ni adresse e-mail validée pour vous prévenir)"
    ),
    EventType.ACCOUNT_MERGED: _("Un autre compte a été regroupé avec celui-ci"),
    EventType.ACCOUNT_MERGED_INTO: _("Compte fermé : regroupé avec un autre compte"),
    EventType.MERGE_PROOF_FAILED: _("Mot de passe incorrect pour un regroupement de comptes"),
    EventType.MERGE_CODE_SENT: _("Code de regroupement de comptes envoyé par SMS"),
    EventType.MERGE_CODE_HELD: _(
        "Code de regroupement de comptes non envoyé (limite d'envois atteinte)"
    ),
    EventType.IDENTIFIER_ALIAS_CHOSEN: _("Identifiant personnalisé choisi"),
    EventType.SIGNUP_RECORDS_ATTACHED: _(
        "Enfants d'un autre établissement ajoutés au compte (inscription)"
    ),
    EventType.FRANCECONNECT_LINKED: _("FranceConnect lié au compte"),
    EventType.FRANCECONNECT_UNLINKED: _("FranceConnect délié du compte"),
    EventType.PASSKEY_ADDED: _("Clé d'accès ajoutée"),
    EventType.PASSKEY_REMOVED: _("Clé d'accès supprimée"),
}


def event_label(event_type: str) -> str:
    """The label of ``event_type``, or the type itself for one this code no longer knows."""
    label = LABELS.get(event_type)
    return str(label) if label is not None else event_type
