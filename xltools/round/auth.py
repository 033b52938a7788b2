"""Secrets of a round: the office password, the units' link tokens and the office's sessions.

- The office password is kept only as an scrypt hash with a random 16-byte salt; the parameters
  are stated in the stored text (`scrypt$n=32768,r=8,p=1$salt$hash`, base64), so they can be raised
  later without invalidating stored hashes. Verification compares in constant time.
- A link token is `secrets.token_urlsafe(32)`: 256 random bits. Only its sha256 is stored; a token
  is looked up by its hash and the stored hash compared with `hmac.compare_digest`. A fast hash is
  right here (unlike a password): the token is random, so there is nothing to guess from the hash.
- A session token is made the same way, stored hashed with an expiry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
_MAXMEM = 64 * 1024 * 1024  # n=2**15, r=8 needs 32 MiB; Python's default limit is exactly that, too tight
MIN_PASSWORD = 8
TOKEN_BYTES = 32  # 256 bits; the brief's floor is 128


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """The stored form of a password: scrypt with a random salt, its parameters stated."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=32)
    return f"scrypt$n={n},r={r},p={p}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches the stored hash (constant-time compare; False on a malformed hash)."""
    try:
        scheme, params, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        values = dict(item.split("=", 1) for item in params.split(","))
        n, r, p = int(values["n"]), int(values["r"]), int(values["p"])
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=n,
            r=r,
            p=p,
            maxmem=_MAXMEM * 4,
            dklen=len(expected),
        )
    except (ValueError, KeyError):
        return False
    return hmac.compare_digest(actual, expected)


def generate_password() -> str:
    """A password to print once on first start: 16 characters a person can type (no 0/O, 1/l/I)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


def new_token() -> str:
    """A fresh link or session token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the store keeps of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    """Constant-time equality of two stored hashes."""
    return hmac.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))


__all__ = [
    "MIN_PASSWORD",
    "SCRYPT_N",
    "SCRYPT_P",
    "SCRYPT_R",
    "generate_password",
    "hash_password",
    "new_token",
    "same_hash",
    "token_hash",
    "verify_password",
]
