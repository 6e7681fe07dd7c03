"""The people one can "log in as" at the fake FranceConnect, with FranceConnect's claims.

Family names as FranceConnect gives them (birth name, upper case), every given name separated
by spaces. Patrick Dupont and Sophie Dupont match demo guardians of ``seed_demo`` (Patrick
already has an account, Sophie has none yet); Nadia Benali matches a guardian of the Réunion
number; Lucie Garnier matches nobody on the roster.
"""

from __future__ import annotations

import hashlib
from typing import Any

IDENTITIES: dict[str, dict[str, Any]] = {
    "sophie.dupont": {
        "given_name": "Sophie Anne",
        "family_name": "DUPONT",
        "preferred_username": "",
        "birthdate": "1981-06-12",
        "gender": "female",
        "birthplace": "75056",
        "birthcountry": "99100",
        "email": "sophie.dupont@exemple.fr",
    },
    "patrick.dupont": {
        "given_name": "Patrick Jean",
        "family_name": "DUPONT",
        "preferred_username": "",
        "birthdate": "1979-02-03",
        "gender": "male",
        "birthplace": "69123",
        "birthcountry": "99100",
        "email": "patrick.dupont@exemple.fr",
    },
    "nadia.benali": {
        "given_name": "Nadia",
        "family_name": "BENALI",
        "preferred_username": "",
        "birthdate": "1985-11-30",
        "gender": "female",
        "birthplace": "97411",
        "birthcountry": "99100",
        "email": "nadia.benali@exemple.fr",
    },
    "lucie.garnier": {
        "given_name": "Lucie Marie",
        "family_name": "GARNIER",
        "preferred_username": "MARTEL",
        "birthdate": "1990-04-21",
        "gender": "female",
        "birthplace": "13055",
        "birthcountry": "99100",
        "email": "lucie.garnier@exemple.fr",
    },
}


def sub_for(key: str) -> str:
    """FranceConnect's shape of ``sub``: 64 hexadecimal digits and ``v1``, stable per person."""
    return hashlib.sha256(f"fake-franceconnect:{key}".encode()).hexdigest() + "v1"
