"""A month's seed, made and kept secret until the draw.

32 bytes from the operating system's random source. It waits sealed with AES-GCM under a key of
its own derived from the token secret (engagement/token_secret.py), the month bound in: a dump or
backup of the database taken during the month does not tell who is going to win, so nobody who
reads it can steer tickets towards a seed they know. Whoever holds both the database and the
secret (the operator of the running service) could unseal it; the published commitment still
binds the service to this seed from before the month ended.
"""
from __future__ import annotations

import base64
import os

from engagement.lottery.draw import SEED_BYTES
from engagement.token_secret import sealing_key

INFO = b"tillit lottery seed v1"
NONCE_BYTES = 12


def new_seed() -> str:
    return os.urandom(SEED_BYTES).hex()


def seal(secret: str, month: str, seed: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    return base64.b64encode(nonce + sealing_key(secret, INFO).encrypt(nonce, seed.encode(), month.encode())).decode()


def unseal(secret: str, month: str, sealed: str) -> str:
    """The seed ``seal`` sealed for ``month``; cryptography's InvalidTag if the secret or month differ."""
    raw = base64.b64decode(sealed)
    return sealing_key(secret, INFO).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], month.encode()).decode()
