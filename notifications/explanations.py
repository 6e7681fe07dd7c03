"""French explanations of why a message failed, for the secretariat."""

from __future__ import annotations

from django.utils.translation import gettext as _

# Twilio error codes (https://www.twilio.com/docs/api/errors) that no retry will fix.
PERMANENT_TWILIO_CODES = {
    "21211",  # invalid 'To' number
    "21212",  # invalid 'From' number
    "21408",  # region not enabled
    "21610",  # recipient replied STOP
    "21612",  # cannot route to this number
    "21614",  # not a mobile number
    "21617",  # body too long
    "30003",  # unreachable handset
    "30004",  # message blocked
    "30005",  # unknown destination
    "30006",  # landline or unreachable carrier
    "30007",  # carrier filtering
}


def explain(code: str) -> str:
    explanations = {
        "21211": _("Numéro invalide : vérifiez le mobile déclaré par l'établissement."),
        "21408": _("Envoi impossible vers ce pays."),
        "21610": _("Le destinataire a refusé les SMS (réponse STOP)."),
        "21612": _("Numéro injoignable par SMS."),
        "21614": _("Ce numéro n'est pas un mobile : il ne peut pas recevoir de SMS."),
        "30003": _("Téléphone éteint ou hors réseau."),
        "30004": _("Message bloqué par l'opérateur ou le destinataire."),
        "30005": _("Numéro inconnu de l'opérateur : il n'est peut-être plus attribué."),
        "30006": _("Numéro fixe ou opérateur injoignable."),
        "30007": _("Message filtré par l'opérateur."),
        "30008": _("Non distribué : erreur inconnue de l'opérateur."),
        "budget": _("Bloqué : budget SMS dépassé (protection contre les envois abusifs)."),
        "budget_email": _(
            "Bloqué : budget d'e-mails dépassé pour cette adresse (protection contre les envois "
            "abusifs)."
        ),
        "http_429": _("Fournisseur saturé : nouvel essai automatique."),
        "http_5xx": _("Fournisseur indisponible : nouvel essai automatique."),
        "network": _("Fournisseur injoignable : nouvel essai automatique."),
        "smtp": _("Serveur de messagerie indisponible : nouvel essai automatique."),
        "smtp_refused": _("Adresse e-mail refusée par le serveur de messagerie."),
        "secret_lost": _("Le code n'a pas pu être envoyé ; la personne doit en demander un autre."),
        "max_attempts": _("Abandon après plusieurs essais infructueux."),
        "undelivered": _("Non distribué par l'opérateur."),
    }
    return explanations.get(code, _("Erreur du fournisseur (code %(code)s).") % {"code": code})
