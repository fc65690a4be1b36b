"""Secret tokens for links (invitations, password resets) and API access.

A token is 256 random bits, shown once; only its SHA-256 is stored, so a database leak does not leak
working links (R-INV-2, R-ACC-2).
"""

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """Return `(token, token_hash)`: the token goes in the link, the hash in the database."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
