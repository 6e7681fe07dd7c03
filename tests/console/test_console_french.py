"""The console's own page titles read as French: no "Ajout de établissement"."""

from __future__ import annotations

from django.utils import translation


def test_the_admins_titles_elide_nothing_they_should_not() -> None:
    with translation.override("fr"):
        assert translation.gettext("Add %s") % "établissement" == "Ajouter : établissement"
        assert translation.gettext("Change %s") % "élève" == "Modifier : élève"
