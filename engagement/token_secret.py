"""The secret user tokens are signed with: checked at start-up, or made once per instance folder.

Whoever knows the secret can sign a token for any person with any role, so a secret that
is empty, short, printed somewhere (our own compose file and docs, a tutorial's
placeholder) or long only by repetition ('a' * 32, a word typed four times, a short test
secret padded with x's) must stop the service before it answers a single request, with an
error that names the setting and the fix.
"""
from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SETTING = "ENGAGEMENT_TOKEN_SECRET"
MIN_LENGTH = 32
# Different characters a secret must use. A random 32-character hex secret (token_hex(16)) has
# fewer than 12 about once in 60 draws, fewer than 10 about once in 10,000; a typed one ("a" * 32,
# "1234567890" * 4, "secret" * 6) has far fewer.
MIN_DISTINCT = 10
# What is left once every run of a short piece repeated three times or more counts once: the
# length that a guesser actually has to find.
MIN_UNREPEATED = 24
SHORT_RUN = re.compile(r"(.{1,8}?)\1{2,}", re.DOTALL)
# Secrets that have been published (this project's old compose fallback) or that people
# type when asked for one; compared without case, spaces or punctuation.
KNOWN = frozenset({
    "change-me-to-a-long-random-secret", "secret", "changeme", "change-me", "changeit", "password",
    "passw0rd", "admin", "test", "testing", "tillit", "engagement", "default", "development", "dev",
    "jwt-secret", "jwtsecret", "secret-key", "secretkey", "mysecret", "my-secret", "supersecret",
    "super-secret-key", "your-secret", "your-secret-key", "your-256-bit-secret", "hs256-secret",
    "token-secret", "shhhhh", "keyboard cat", "abc123", "123456", "letmein",
    # Secrets this repository's tests once wrote down (they now make one per run).
    "test-secret-" + "x" * 32, "integration-secret-" + "y" * 32, "host-secret-" + "z" * 32, "clean-" + "c" * 40,
    "a-real-deployment-secret-" + "Qz7" * 12,
})
# Words that mark a placeholder someone forgot to replace, wherever they stand in it.
PLACEHOLDERS = ("changeme", "replaceme", "yoursecret", "putyour", "secretgoeshere", "insertsecret",
                "randomsecret")
FIX = (f"Set {SETTING} to a random value of at least {MIN_LENGTH} characters, e.g. the output of "
       "`python -c \"import secrets; print(secrets.token_urlsafe(48))\"`, and give the same value to the "
       "intranet back end that signs user tokens (or leave it unset on a single machine: Tillit then "
       "keeps a random one in its instance folder).")


class InsecureTokenSecret(ValueError):
    """Raised at start-up: the configured secret would let anyone sign tokens."""

    def __init__(self, why: str):
        super().__init__(f"{SETTING} {why}; anyone who knows or guesses it can sign a token as any "
                         f"person with any role, so Tillit will not start. {FIX}")


def _normalised(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


KNOWN_NORMALISED = frozenset(_normalised(k) for k in KNOWN)


def check(secret: str) -> str:
    """The secret if it is fit to sign tokens with; else :class:`InsecureTokenSecret` saying why."""
    if not secret.strip():
        raise InsecureTokenSecret("is set but empty")
    flat = _normalised(secret)
    if secret.strip().lower() in KNOWN or flat in KNOWN_NORMALISED:
        raise InsecureTokenSecret("is a published example or a well-known default")
    if any(word in flat for word in PLACEHOLDERS):
        raise InsecureTokenSecret("is a placeholder that was never replaced")
    if len(secret) < MIN_LENGTH:
        raise InsecureTokenSecret(f"is {len(secret)} characters long, fewer than {MIN_LENGTH}")
    _check_not_guessable(secret, flat)
    return secret


def _check_not_guessable(secret: str, flat: str) -> None:
    """Length alone is not strength: refuse a secret that is long only by repeating itself, uses
    few different characters, or is made of well-known words."""
    if len(set(secret)) < MIN_DISTINCT:
        raise InsecureTokenSecret(f"uses only {len(set(secret))} different characters, fewer than {MIN_DISTINCT}")
    if re.fullmatch(r"(.+?)\1+", secret, re.DOTALL):
        raise InsecureTokenSecret("is one short piece repeated")
    unrepeated = len(SHORT_RUN.sub(r"\1", secret))
    if unrepeated < MIN_UNREPEATED:
        raise InsecureTokenSecret(f"is mostly repetition: {unrepeated} characters once repeats count once, "
                                  f"fewer than {MIN_UNREPEATED}")
    if len(_without_known_words(flat)) < MIN_UNREPEATED // 2:
        raise InsecureTokenSecret("is made of well-known words")


def _without_known_words(flat: str) -> str:
    """``flat`` with every well-known secret of four letters or more (and every placeholder) taken out."""
    for word in sorted((w for w in KNOWN_NORMALISED | set(PLACEHOLDERS) if len(w) >= 4), key=len, reverse=True):
        flat = flat.replace(word, "")
    return flat


def resolve(configured: str | None, instance: Path) -> str:
    """The configured secret, checked; unset (and not set empty in the environment), the one
    kept in the instance folder, made the first time."""
    if configured is None and os.environ.get(SETTING) == "":
        configured = ""  # an empty variable is a mistake (an unset compose value), not "unset"
    if configured is not None:
        return check(configured)
    return _instance_secret(instance / "token-secret")


def _instance_secret(path: Path) -> str:
    """Written to a private temporary file, then linked into place: the file is never readable
    by others, not even for a moment, and a second process never reads it half written."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another worker of the same instance made it first: use theirs
        finally:
            temporary.unlink(missing_ok=True)
    if path.stat().st_mode & 0o077:
        raise InsecureTokenSecret(f"is unset, and the file that keeps the generated one ({path}) can be read "
                                  "by other users of this machine; delete it (a new one is made, and tokens "
                                  "signed with the old one stop working)")
    return path.read_text().strip()


def sealing_key(secret: str, info: bytes) -> AESGCM:
    """An AES-GCM key of its own for ``info``'s purpose, derived (HKDF-SHA256) from the token secret,
    which every process of one installation shares and the database does not hold: what it seals
    is safe in a dump or a backup (pulse answers waiting for the close, a lottery month's seed)."""
    return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret.encode()))
