"""argon2id with the portal's explicit parameters.

64 MiB would cost a 2-core server more than 100 ms per login at the September peak; 32 MiB and
two passes (~45 ms here, measured by ``bench/password_hash.py``) stay above the OWASP floor
(19 MiB, t=2, p=1) while a single lane (p=1) lets concurrent logins use the other cores.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class PortalArgon2PasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"
    time_cost = 2
    memory_cost = 32 * 1024  # KiB
    parallelism = 1
