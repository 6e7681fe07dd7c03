"""Account merging: a closed account's passkeys move to the kept one (``accounts.merging``)."""

from __future__ import annotations

from django.utils.translation import ngettext

from accounts.models import User
from passkeys.models import PasskeyCredential


class PasskeyMover:
    def describe(self, closed: User) -> list[str]:
        names = list(PasskeyCredential.objects.filter(user=closed).values_list("name", flat=True))
        if not names:
            return []
        return [
            ngettext(
                "%(count)d clé d'accès : %(names)s",
                "%(count)d clés d'accès : %(names)s",
                len(names),
            )
            % {"count": len(names), "names": ", ".join(names)}
        ]

    def move(self, *, kept: User, closed: User) -> None:
        """Each passkey keeps the user handle it was made with (its authenticator answers with
        it) and stops being a console second factor: that standing was proved for the closed
        account, and is proved again on the kept one by adding a passkey there."""
        PasskeyCredential.objects.filter(user=closed).update(user=kept, confirmed=False)
