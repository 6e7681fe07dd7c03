"""axe-core audits every page of every flow, in French and in English, on a desktop and on a
375 px phone: no violation of serious or critical impact is allowed.

Each flow is walked once per (language, viewport) and audited at every step, the pages with
validation errors included: 87 audits per combination, 348 in all. axe-core comes from npm
(package.json; ``./dev test`` installs it). It is injected as a DevTools init script, which the
page's Content-Security-Policy does not govern, so the audit runs under the real CSP (no
``bypass_csp``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.demo import (
    ADMIN_PASSWORD,
    PARENT_PASSWORD,
    STAFF_PASSWORD,
    TEMPORARY_PASSWORD,
    seed_demo,
)
from accounts.models import AuditEvent, Establishment, Guardian, Student, User, UserSession
from notifications.backends.sms import LocmemSmsBackend
from passkeys.models import PasskeyCredential
from tests.accounts.enrolment_support import code_for, invitation_path, shown_key
from tests.e2e.conftest import AXE

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Gomme-Orange-2027"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = ("serious", "critical")
# Audit the page as its visitors get it: once DSFR's script has set up the header (on a desktop
# it takes the phone menu's dialog attributes off), within 5 s.
RUN_AXE = """async (tags) => {
    const pending = () => document.querySelector(".fr-header__menu:not([data-fr-js-header-modal])");
    for (const start = Date.now(); pending() && Date.now() - start < 5000; ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const results = await axe.run(document, {
        runOnly: {type: "tag", values: tags},
        resultTypes: ["violations"],
        iframes: false,
    });
    const violations = results.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => n.target.join(" ")),
    }));
    // A page wider than the viewport scrolls sideways: on a phone, nothing may. Any element
    // that scrolls inside the page is reported with it (axe only checks those for focus).
    const root = document.documentElement;
    const wide = [];
    if (root.scrollWidth > root.clientWidth + 1) {
        for (const el of document.body.querySelectorAll("*")) {
            const box = el.getBoundingClientRect();
            if (box.right > root.clientWidth + 1 && box.width > 0 && el.children.length === 0) {
                wide.push(el.tagName.toLowerCase() + (el.className ? "." + el.className : ""));
            }
        }
    }
    return {
        lang: document.documentElement.lang,
        violations: violations,
        pageWidth: root.scrollWidth,
        viewportWidth: root.clientWidth,
        wide: wide.slice(0, 8),
    };
}"""

LANGUAGES = {"fr": "fr-FR", "en": "en-GB"}
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 812}}
COMBOS = [
    pytest.param((language, viewport), id=f"{language}-{viewport}")
    for language in LANGUAGES
    for viewport in VIEWPORTS
]


@dataclass
class Audit:
    """A browser context in one language and viewport that audits each page it is shown."""

    browser: object
    base_url: str
    language: str
    viewport: str
    page: object = None
    audited: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def open(self) -> None:
        """A fresh context: no cookies, so a new visitor (or a new sign-in)."""
        if self.page is not None:
            self.page.context.close()
        context = self.browser.new_context(
            locale=LANGUAGES[self.language], viewport=VIEWPORTS[self.viewport]
        )
        context.set_default_timeout(10_000)
        context.add_init_script(path=str(AXE))
        self.page = context.new_page()

    def goto(self, path: str, name: str | None = None) -> int:
        response = self.page.goto(self.base_url + path)
        self.check(name or path)
        return response.status

    def fill(self, selector: str, value: str) -> None:
        self.page.locator(selector).fill(value)

    def submit(self, name: str, form: str = "main form[method=post]") -> int:
        """Submit the (first) form of the page, audit the page that answers, return its status."""
        button = self.page.locator(form).first.locator("[type=submit]").first
        with self.page.expect_navigation() as navigation:
            button.click()
        self.check(name)
        return navigation.value.status

    def choose(self, name: str, value: str) -> None:
        self.page.locator(f"input[name={name}][value={value}]").check(force=True)

    def check(self, name: str) -> None:
        page = self.page
        results = page.evaluate(RUN_AXE, AXE_TAGS)
        self.audited.append(name)
        if results["lang"] != self.language:  # the page really is in the language asked for
            self.failures.append(f"{name}: <html lang={results['lang']!r}>, not {self.language!r}")
        if results["pageWidth"] > results["viewportWidth"] + 1:
            self.failures.append(
                f"{name} ({page.url}): the page is {results['pageWidth']} px wide in a "
                f"{results['viewportWidth']} px viewport (it scrolls sideways): "
                + ", ".join(results["wide"])
            )
        for violation in results["violations"]:
            if violation["impact"] in BLOCKING:
                nodes = "\n      ".join(violation["nodes"][:8])
                self.failures.append(
                    f"{name} ({page.url}): [{violation['impact']}] {violation['id']}: "
                    f"{violation['help']}\n      {nodes}"
                )

    def assert_clean(self, pages: int) -> None:
        """No blocking violation, and the walk went through all the pages it should have."""
        if self.failures:
            pytest.fail(
                f"{len(self.failures)} accessibility failure(s) in {self.language}/{self.viewport}:"
                "\n" + "\n".join(self.failures),
                pytrace=False,
            )
        assert len(self.audited) == pages, self.audited

    def log_in(self, identifier: str, password: str) -> None:
        self.open()
        self.page.goto(self.base_url + reverse("accounts:login"))
        self.fill("input[name=identifier]", identifier)
        self.fill("input[name=password]", password)
        with self.page.expect_navigation():
            self.page.locator("input[name=password]").press("Enter")


@pytest.fixture(params=COMBOS)
def audit(request: pytest.FixtureRequest, browser, live_server) -> Iterator[Audit]:
    language, viewport = request.param
    seed_demo()
    audit = Audit(browser=browser, base_url=live_server.url, language=language, viewport=viewport)
    audit.open()
    yield audit
    audit.page.context.close()


def last_sms_code() -> str:
    return re.search(r"\b(\d{6})\b", LocmemSmsBackend.outbox[-1].body).group(1)


def test_public_and_error_pages(audit: Audit, settings) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "forgot_identifier_sms": "1/h/ip"}
    audit.goto(reverse("home"), "accueil")
    audit.goto(reverse("accounts:login"), "connexion")
    audit.submit("connexion, champs vides")
    audit.fill("input[name=identifier]", "patrick.dupont1")
    audit.fill("input[name=password]", "Pas-Le-Bon-2026")
    audit.submit("connexion, mot de passe incorrect")
    audit.goto(reverse("assistance"), "assistance")
    audit.goto(reverse("legal_notice"), "mentions légales")
    audit.goto(reverse("accessibility"), "accessibilité")
    assert audit.goto("/cette-page-n-existe-pas/", "404") == HTTPStatus.NOT_FOUND

    audit.goto(reverse("recovery:forgot_identifier"), "identifiant perdu")
    audit.submit("identifiant perdu, SMS vide")
    audit.submit("identifiant perdu, e-mail vide", form="main form[method=post] >> nth=1")
    audit.fill("input[name=mobile]", "06 12 34 56 78")
    audit.submit("identifiant perdu, envoyé par SMS")
    audit.goto(reverse("recovery:forgot_identifier"))
    audit.fill("input[name=email]", "hugo.dupont@exemple.fr")
    audit.submit("identifiant perdu, envoyé par e-mail", form="main form[method=post] >> nth=1")

    audit.goto(reverse("recovery:forgot_identifier"))
    audit.fill("input[name=mobile]", "06 12 34 56 78")
    assert audit.submit("429 trop de demandes") == HTTPStatus.TOO_MANY_REQUESTS

    audit.goto(reverse("accounts:login"))
    audit.page.context.clear_cookies()
    audit.fill("input[name=identifier]", "patrick.dupont1")
    audit.fill("input[name=password]", PARENT_PASSWORD)
    assert audit.submit("403 CSRF") == HTTPStatus.FORBIDDEN
    audit.assert_clean(pages=18)


def test_password_recovery_pages(audit: Audit, settings) -> None:
    settings.SITE_URL = audit.base_url
    audit.goto(reverse("recovery:forgot_password"), "mot de passe perdu")
    audit.submit("mot de passe perdu, champs vides")
    audit.fill("input[name=identifier]", "patrick.dupont1")
    audit.choose("channel", "sms")
    audit.submit("mot de passe perdu, saisie du code SMS")
    audit.fill("input[name=code]", "12")
    audit.submit("mot de passe perdu, code mal formé")
    audit.fill("input[name=code]", last_sms_code())
    audit.submit("mot de passe perdu, nouveau mot de passe")
    audit.fill("input[name=new_password1]", NEW_PASSWORD)
    audit.fill("input[name=new_password2]", "Pas-Le-Meme-2027")
    audit.submit("mot de passe perdu, mots de passe différents")
    audit.fill("input[name=new_password1]", NEW_PASSWORD)
    audit.fill("input[name=new_password2]", NEW_PASSWORD)
    audit.submit("mot de passe perdu, terminé")
    assert audit.page.url.endswith(reverse("recovery:forgot_password_done"))

    audit.open()
    audit.goto(reverse("recovery:forgot_password"))
    audit.fill("input[name=identifier]", "hugo.dupont1")
    audit.choose("channel", "email")
    audit.submit("mot de passe perdu, lien envoyé par e-mail")
    link = re.search(r"http\S+/lien/\S+/", mail.outbox[-1].body).group(0)
    audit.goto(link.removeprefix(audit.base_url), "mot de passe perdu, lien ouvert")
    assert audit.page.url.endswith(reverse("recovery:forgot_password_new"))
    audit.goto(reverse("recovery:forgot_password_link", args=["jeton-invalide"]), "lien invalide")
    audit.assert_clean(pages=11)


def test_signup_pages(audit: Audit) -> None:
    audit.goto(reverse("recovery:signup"), "inscription")
    audit.submit("inscription, champs vides")
    audit.fill("input[name=last_name]", "Dupont")
    audit.fill("input[name=first_name]", "Sophie")
    audit.fill("input[name=mobile]", "06 98 76 54 32")
    audit.submit("inscription, code")
    audit.fill("input[name=code]", "abc")
    audit.submit("inscription, code mal formé")
    audit.fill("input[name=code]", last_sms_code())
    audit.submit("inscription, enfants")
    audit.submit("inscription, enfants sans réponse")
    children = {"Léa": "14/03/2012", "Hugo": "02/09/2009"}
    students = Student.objects.filter(last_name="Dupont", first_name__in=children)
    for student in students:
        audit.choose(f"legal_{student.pk}", "oui")
    audit.submit("inscription, dates de naissance manquantes")
    for student in students:
        audit.fill(f"input[name=birth_date_{student.pk}]", children[student.first_name])
    audit.submit("inscription, mot de passe")
    audit.submit("inscription, mot de passe vide")
    audit.page.locator("input[name=identifier_noted]").check(force=True)
    audit.fill("input[name=new_password1]", NEW_PASSWORD)
    audit.fill("input[name=new_password2]", NEW_PASSWORD)
    audit.submit("inscription terminée, mon compte")
    assert audit.page.url.endswith(reverse("myaccount:account"))
    audit.assert_clean(pages=10)


def _franceconnect_as(audit: Audit, fake, who: str, name: str) -> None:
    """Press the FranceConnect button, be ``who`` at the fake FranceConnect, audit the page
    the portal answers with."""
    audit.page.locator("a.fr-connect").first.click()
    audit.page.wait_for_url(re.compile(re.escape(fake.url)))
    audit.page.get_by_role("button", name=f"Se connecter en tant que {who}").click()
    audit.page.wait_for_url(
        re.compile("^" + re.escape(audit.base_url) + "/(?!franceconnect/retour)")
    )
    audit.check(name)


def test_franceconnect_pages(audit: Audit, franceconnect) -> None:
    audit.goto(reverse("accounts:login"), "connexion, bouton FranceConnect")
    audit.goto(reverse("recovery:signup"), "inscription, bouton FranceConnect")
    _franceconnect_as(audit, franceconnect, "Patrick Jean DUPONT", "FranceConnect, compte existant")
    audit.submit("FranceConnect, compte existant, champs vides")
    audit.open()
    audit.goto(reverse("accounts:login"))
    _franceconnect_as(audit, franceconnect, "Lucie Marie GARNIER", "FranceConnect, aucune fiche")
    audit.open()
    audit.goto(reverse("accounts:login"))
    _franceconnect_as(audit, franceconnect, "Sophie Anne DUPONT", "FranceConnect, code")
    audit.fill("input[name=code]", last_sms_code())
    with audit.page.expect_navigation():
        audit.page.locator("main form[method=post] [type=submit]").first.click()
    children = {"Léa": "14/03/2012", "Hugo": "02/09/2009"}
    for student in Student.objects.filter(last_name="Dupont", first_name__in=children):
        audit.choose(f"legal_{student.pk}", "oui")
        audit.fill(f"input[name=birth_date_{student.pk}]", children[student.first_name])
    audit.submit("FranceConnect, créer mon compte")
    audit.submit("FranceConnect, mon compte")
    assert audit.page.url.endswith(reverse("myaccount:account"))
    bad = reverse("franceconnect:callback") + "?state=x&code=y"
    assert audit.goto(bad, "FranceConnect, réponse refusée") == HTTPStatus.BAD_REQUEST
    audit.assert_clean(pages=11)


def test_account_pages(audit: Audit, settings) -> None:
    settings.SITE_URL = audit.base_url
    audit.log_in("patrick.dupont1", PARENT_PASSWORD)
    audit.check("mon compte")
    audit.goto(reverse("myaccount:change_password"), "changer de mot de passe")
    audit.submit("changer de mot de passe, champs vides")
    audit.goto(reverse("myaccount:change_email"), "adresse e-mail")
    audit.submit("adresse e-mail, vide")
    audit.fill("input[name=email]", "patrick.dupont@exemple.fr")
    audit.submit("adresse e-mail, lien envoyé")
    link = re.search(r"https?://\S+/mon-compte/e-mail/verifier/\S+/", mail.outbox[-1].body)
    audit.goto(link.group(0).removeprefix(audit.base_url), "adresse e-mail, confirmer")
    invalid = reverse("myaccount:verify_email_link", args=["jeton-invalide"])
    audit.goto(invalid, "adresse e-mail, lien invalide")
    add_widest_entries("patrick.dupont1")
    audit.goto(reverse("myaccount:sessions"), "sessions")
    audit.goto(reverse("myaccount:journal"), "journal")
    passkey = add_passkey_row("patrick.dupont1")
    audit.goto(reverse("passkeys:list"), "clés d'accès")
    audit.goto(reverse("passkeys:remove", args=[passkey.pk]), "clés d'accès, supprimer")
    lea = Student.objects.get(first_name="Léa")
    audit.goto(reverse("myaccount:report_attachment", args=[lea.pk]), "signaler un rattachement")
    audit.submit("signaler un rattachement, envoyé")
    audit.goto(reverse("myaccount:choose_identifier"), "identifiant personnalisé")
    audit.submit("identifiant personnalisé, vide")
    audit.goto(reverse("myaccount:merge_start"), "regrouper mes comptes")
    audit.submit("regrouper mes comptes, champs vides")

    audit.log_in("julien.roche1", PARENT_PASSWORD)  # the demo parent with two accounts
    audit.goto(reverse("myaccount:merge_start"), "regrouper mes comptes, autre compte")
    audit.fill("input[name=identifier]", "julien.roche2")
    audit.choose("proof", "sms")
    audit.submit("regrouper mes comptes, code par SMS")
    audit.submit("regrouper mes comptes, code vide")
    audit.goto(reverse("myaccount:merge_start"), "regrouper mes comptes, autre compte")
    audit.fill("input[name=identifier]", "julien.roche2")
    audit.fill("input[name=password]", PARENT_PASSWORD)
    audit.submit("regrouper mes comptes, confirmation")

    audit.log_in("jade.moreau1", TEMPORARY_PASSWORD)
    assert audit.page.url.endswith(reverse("myaccount:change_password"))
    audit.check("mot de passe provisoire à changer")
    audit.assert_clean(pages=24)


# The widest things the journal and the sessions list can hold, so that their audit does not
# depend on what the browser of the day puts in its User-Agent.
WIDEST_IP = "2001:0db8:85a3:0000:0000:8a2e:0370:7334"
WIDEST_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36"
)


def add_widest_entries(identifier: str) -> None:
    user = User.objects.get(identifier=identifier)
    for event_type in (AuditEvent.Type.ATTACHMENT_RESOLVED, AuditEvent.Type.LOGIN_UNLOCKED):
        AuditEvent.objects.create(
            event_type=event_type,
            subject=user,
            actor=User.objects.get(identifier="claire.bernard1"),
            ip_address=WIDEST_IP,
            user_agent=WIDEST_USER_AGENT,
        )
    UserSession.objects.create(
        user=user,
        session_key="w" * 40,
        ip_address=WIDEST_IP,
        user_agent=WIDEST_USER_AGENT,
    )


def add_passkey_row(identifier: str) -> PasskeyCredential:
    """A passkey with the longest name there can be, used once (the list shows both dates)."""
    return PasskeyCredential.objects.create(
        user=User.objects.get(identifier=identifier),
        name="Téléphone Samsung Galaxy de Marie-Hélène Lefèvre-Dupont (salon)"[:64],
        credential_id="audit-credential",
        public_key=b"",
        user_handle="audit-handle",
        last_used_at=timezone.now(),
    )


def test_secretariat_console_pages(audit: Audit, settings) -> None:
    settings.ADMIN_REQUIRES_OTP = True
    audit.log_in("claire.bernard1", STAFF_PASSWORD)
    audit.goto(reverse("admin:index"), "double authentification, sans invitation")
    assert reverse("accounts:two_factor") in audit.page.url
    staff = User.objects.get(identifier="claire.bernard1")
    audit.goto(invitation_path(staff), "invitation, mot de passe actuel")
    assert audit.page.url.endswith(reverse("console:invitation"))  # type: ignore[attr-defined]
    audit.submit("invitation, mot de passe vide")
    audit.fill("input[name=password]", STAFF_PASSWORD)
    audit.submit("double authentification, enrôlement")
    audit.submit("double authentification, code vide")
    key = shown_key(audit.page.content())  # type: ignore[attr-defined]
    audit.fill("input[name=token]", code_for(key))
    audit.submit("double authentification, codes de secours")
    audit.goto(reverse("admin:index"), "console, accueil et tableau de bord")
    audit.goto(reverse("admin:accounts_guardian_changelist"), "console, liste des responsables")
    audit.goto(reverse("admin:accounts_user_changelist") + "?q=dupont", "console, recherche")
    guardian = Guardian.objects.filter(establishment__uai="0750654D").first()
    audit.goto(reverse("admin:accounts_guardian_change", args=[guardian.pk]), "console, fiche")
    school = Establishment.objects.get(uai="0750654D")
    audit.goto(reverse("admin:accounts_establishment_import", args=[school.pk]), "console, import")
    # The file input is required: skip the browser's own check to show the server's error.
    audit.page.locator("#content form[enctype]").evaluate("form => { form.noValidate = true; }")
    audit.submit("console, import sans fichier", form="#content form[enctype]")
    parent = User.objects.get(identifier="patrick.dupont1")
    audit.goto(reverse("admin:accounts_user_change", args=[parent.pk]), "console, compte parent")

    audit.log_in("claire.bernard1", STAFF_PASSWORD)
    audit.goto(reverse("admin:index"), "double authentification, vérification")
    audit.submit("double authentification, vérification, code vide")
    audit.assert_clean(pages=15)


def test_staff_pages(audit: Audit, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ADMIN_REQUIRES_OTP = False  # the second factor's pages are walked above
    audit.log_in("admin.academie1", ADMIN_PASSWORD)
    audit.goto(reverse("admin:accounts_staffmember_changelist"), "personnel, liste")
    audit.goto(reverse("admin:accounts_staffmember_add"), "personnel, ajout")
    audit.submit("personnel, ajout vide", form="#content form")
    audit.fill("input[name=first_name]", "Anne")
    audit.fill("input[name=last_name]", "Lambert")
    audit.fill("input[name=email]", "anne.lambert@exemple.fr")
    audit.page.locator("input[name=establishments]").first.check()  # type: ignore[attr-defined]
    audit.submit("personnel, invitation envoyée et lien à remettre", form="#content form")
    claire = User.objects.get(identifier="claire.bernard1")
    audit.goto(reverse("admin:accounts_staffmember_change", args=[claire.pk]), "personnel, fiche")
    audit.goto(reverse("console:invitation"), "invitation, aucun lien ouvert")
    audit.goto(reverse("admin:accounts_user_merge"), "regrouper deux comptes")
    audit.fill("input[name=kept]", "julien.roche1")
    audit.fill("input[name=closed]", "julien.roche2")
    audit.submit("regrouper deux comptes, aperçu", form="#content form")
    audit.log_in("isabelle.roux1", STAFF_PASSWORD)
    audit.goto(reverse("admin:accounts_staffmember_add"), "personnel, ajout par la direction")
    audit.assert_clean(pages=9)
