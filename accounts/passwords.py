"""The one password policy, used by every form that sets a password.

At least 12 characters, three of the four character classes, not a common password, nothing
that contains the identifier, first name or last name, not a password known from a breach
(accounts.breached), and hard enough to guess (zxcvbn). The first two meet the CNIL's floor
(deliberation 2022-100: 12 characters and 3 classes without other measure). Each rule also
gives the sentence shown in the checklist next to the field, and a ``checklist_key`` that
static/js/password-rules.js uses to tick it live (``server``: checked only on submission).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from zxcvbn import zxcvbn

from accounts.breached import is_breached
from core.text import fold_name

MIN_PERSONAL_PART = 3


def character_classes(password: str) -> int:
    classes = [
        any(ch.islower() for ch in password),
        any(ch.isupper() for ch in password),
        any(ch.isdigit() for ch in password),
        any(not ch.isalnum() for ch in password),
    ]
    return sum(classes)


class MinimumLengthValidator:
    checklist_key = "length"

    def __init__(self, min_length: int | None = None) -> None:
        self.min_length = min_length or settings.PASSWORD_MIN_LENGTH

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                ngettext(
                    "Le mot de passe doit contenir au moins %(min)d caractère.",
                    "Le mot de passe doit contenir au moins %(min)d caractères.",
                    self.min_length,
                )
                % {"min": self.min_length},
                code="password_too_short",
            )

    def get_help_text(self) -> str:
        return _("Au moins %(min)d caractères.") % {"min": self.min_length}


class CharacterClassesValidator:
    checklist_key = "classes"
    required = 3

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.required:
            raise ValidationError(
                _(
                    "Le mot de passe doit mélanger au moins 3 types de caractères parmi : "
                    "minuscules, majuscules, chiffres, caractères spéciaux."
                ),
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("Au moins 3 types parmi : minuscules, majuscules, chiffres, caractères spéciaux.")


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    checklist_key = "server"

    def validate(self, password: str, user: Any = None) -> None:
        try:
            super().validate(password, user)
        except ValidationError:
            raise ValidationError(
                _("Ce mot de passe est trop courant. Choisissez-en un autre."),
                code="password_too_common",
            ) from None

    def get_help_text(self) -> str:
        return _("Pas un mot de passe courant.")


def _personal_parts(user: Any) -> list[str]:
    parts: list[str] = []
    for attribute in ("identifier", "first_name", "last_name"):
        value = getattr(user, attribute, "") or ""
        for piece in fold_name(value.replace(".", " ")).split("-") + [fold_name(value)]:
            if len(piece) >= MIN_PERSONAL_PART:
                parts.append(piece)
    return parts


class PersonalInformationValidator:
    """Refuse a password containing the identifier or a name, compared accent-insensitively."""

    checklist_key = "personal"

    def validate(self, password: str, user: Any = None) -> None:
        if user is None:
            return
        folded = fold_name(password.replace(".", "-"))
        squashed = folded.replace("-", "")
        for part in _personal_parts(user):
            if part in folded or part.replace("-", "") in squashed:
                raise ValidationError(
                    _(
                        "Le mot de passe ne doit contenir ni votre identifiant, ni votre nom, "
                        "ni votre prénom."
                    ),
                    code="password_personal_information",
                )

    def get_help_text(self) -> str:
        return _("Ni votre identifiant, ni votre nom, ni votre prénom.")


class BreachedPasswordValidator:
    """Refuse a password published in a breach: attackers try those lists first (NIST SP
    800-63B 3.1.1.2 asks to compare new passwords with "passwords obtained from previous breach
    corpuses"). The list is offline (accounts.breached): nothing about a password leaves."""

    checklist_key = "server"

    def validate(self, password: str, user: Any = None) -> None:
        if is_breached(password):
            raise ValidationError(
                _(
                    "Ce mot de passe figure dans des listes de mots de passe volés lors de "
                    "fuites de données : il serait essayé parmi les premiers. "
                    "Choisissez-en un autre."
                ),
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return _("Pas un mot de passe connu de fuites de données (vérifié à l’envoi).")


# zxcvbn's feedback (zxcvbn/feedback.py, in English) in our French; None: never shown, as it
# contradicts the policy. A sentence missing here is dropped, so no English reaches the page.
ZXCVBN_FEEDBACK_FR: dict[str, Promise | None] = {
    "Use a few words, avoid common phrases.": gettext_lazy(
        "Utilisez quelques mots, en évitant les expressions courantes."
    ),
    "No need for symbols, digits, or uppercase letters.": None,
    "Add another word or two. Uncommon words are better.": gettext_lazy(
        "Ajoutez un ou deux mots, de préférence peu courants."
    ),
    "Straight rows of keys are easy to guess.": gettext_lazy(
        "Les rangées de touches du clavier (comme « azerty ») sont faciles à deviner."
    ),
    "Short keyboard patterns are easy to guess.": gettext_lazy(
        "Les motifs courts tracés sur le clavier sont faciles à deviner."
    ),
    "Use a longer keyboard pattern with more turns.": gettext_lazy(
        "Évitez les suites de touches voisines sur le clavier."
    ),
    'Repeats like "aaa" are easy to guess.': gettext_lazy(
        "Les répétitions comme « aaa » sont faciles à deviner."
    ),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': gettext_lazy(
        "Les répétitions comme « abcabcabc » ne sont guère plus difficiles à deviner que « abc »."
    ),
    "Avoid repeated words and characters.": gettext_lazy(
        "Évitez de répéter des mots ou des caractères."
    ),
    'Sequences like "abc" or "6543" are easy to guess.': gettext_lazy(
        "Les suites comme « abc » ou « 6543 » sont faciles à deviner."
    ),
    "Avoid sequences.": gettext_lazy("Évitez les suites de lettres ou de chiffres."),
    "Recent years are easy to guess.": gettext_lazy("Les années récentes sont faciles à deviner."),
    "Avoid recent years.": gettext_lazy("Évitez les années récentes."),
    "Avoid years that are associated with you.": gettext_lazy(
        "Évitez les années qui vous concernent."
    ),
    "Dates are often easy to guess.": gettext_lazy("Les dates sont souvent faciles à deviner."),
    "Avoid dates and years that are associated with you.": gettext_lazy(
        "Évitez les dates et les années qui vous concernent."
    ),
    "This is a top-10 common password.": gettext_lazy(
        "C'est l'un des 10 mots de passe les plus utilisés."
    ),
    "This is a top-100 common password.": gettext_lazy(
        "C'est l'un des 100 mots de passe les plus utilisés."
    ),
    "This is a very common password.": gettext_lazy("C'est un mot de passe très courant."),
    "This is similar to a commonly used password.": gettext_lazy(
        "Il ressemble à un mot de passe très utilisé."
    ),
    "A word by itself is easy to guess.": gettext_lazy("Un mot seul est facile à deviner."),
    "Names and surnames by themselves are easy to guess.": gettext_lazy(
        "Un nom ou un prénom seul est facile à deviner."
    ),
    "Common names and surnames are easy to guess.": gettext_lazy(
        "Les noms et prénoms courants sont faciles à deviner."
    ),
    "Capitalization doesn't help very much.": gettext_lazy(
        "Une majuscule au début n'aide pas beaucoup."
    ),
    "All-uppercase is almost as easy to guess as all-lowercase.": gettext_lazy(
        "Tout en majuscules n'est guère plus difficile à deviner que tout en minuscules."
    ),
    "Reversed words aren't much harder to guess.": gettext_lazy(
        "Un mot écrit à l'envers n'est guère plus difficile à deviner."
    ),
    "Predictable substitutions like '@' instead of 'a' don't help very much.": gettext_lazy(
        "Les substitutions prévisibles, comme « @ » au lieu de « a », n'aident pas beaucoup."
    ),
}

# zxcvbn's matching is quadratic in the length: score only the beginning of a long password
# (the form accepts 128 characters; 64 random-looking ones are far past any threshold).
ZXCVBN_MAX_LENGTH = 64


def french_feedback(feedback: Mapping[str, Any]) -> list[str]:
    """zxcvbn's warning and suggestions as our French sentences, English ones left out."""
    sentences = [feedback.get("warning") or "", *feedback.get("suggestions", [])]
    french = [ZXCVBN_FEEDBACK_FR.get(sentence) for sentence in sentences if sentence]
    return [str(sentence) for sentence in french if sentence is not None]


def _user_inputs(user: Any) -> list[str]:
    values = [getattr(user, name, "") or "" for name in ("identifier", "first_name", "last_name")]
    return [value for value in values if value] + _personal_parts(user)


class GuessabilityValidator:
    """Refuse a password zxcvbn scores below 3, that is guessed in fewer than 10^8 tries: score
    3 is zxcvbn's "safely unguessable" (up to 10^10 guesses), which resists online guessing
    and slows an offline attack on a stolen argon2 hash to years. The identifier and names are
    given as user inputs, so a password built on them scores low."""

    checklist_key = "server"

    def __init__(self, min_score: int = 3) -> None:
        self.min_score = min_score

    def validate(self, password: str, user: Any = None) -> None:
        result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=_user_inputs(user))
        if result["score"] >= self.min_score:
            return
        reasons = french_feedback(result["feedback"]) or [
            _("Ajoutez un ou deux mots, de préférence peu courants.")
        ]
        raise ValidationError(
            _("Ce mot de passe serait trop vite deviné. %(reasons)s")
            % {"reasons": " ".join(reasons)},
            code="password_guessable",
        )

    def get_help_text(self) -> str:
        return _(
            "Difficile à deviner : quelques mots peu courants valent mieux que des "
            "substitutions prévisibles (vérifié à l’envoi)."
        )


def validate_new_password(password: str, user: Any) -> None:
    """Run the whole policy; raises ValidationError with every broken rule."""
    password_validation.validate_password(password, user)


def policy_checklist() -> list[str]:
    return list(password_validation.password_validators_help_texts())
