"""A waiting pulse answer, sealed: its event id, wording, team, values and comment, so that a dump
of an open pulse pairs no team with an answer.

Until its pulse closes an answer waits in ``PulseOutbox`` (engagement/pulses/outbox.py). Stored
plainly, a database dump or backup taken meanwhile would show each team's answers beside the
participation rows that say who answered for that team. So the team and the values are sealed
with AES-GCM under a key derived (HKDF-SHA256) from the service's token secret
(engagement/token_secret.py), which every process of one installation shares and the database
does not hold: only a process holding the secret unseals them, at the close.

The event id the answer will have on the bus is sealed too, never the row's own id: a row's id
is in every backup, and an event id seen in a backup would name the answer in the event log.
And the wording: in plain text, the one ``team`` row among leaders' ``self`` rows would be the
only member who had answered so far.

AES-GCM rather than Fernet, because a Fernet token carries the time it was made, the very thing
the outbox leaves out. The team is padded to a fixed length, and every answer of a pulse has the
same statements with one-digit values, so the sealed values of one pulse are all of one length.
The row's id is bound in as associated data, so a sealed value cannot be moved to another row.
A pulse with free text on seals a comment too, padded to a fixed length whether or not one was
written (``COMMENT_BYTES``), so a sealed row does not say who wrote a comment or how long it is;
a pulse without free text seals no comment at all, as before.
It protects a dump, a backup or a stolen disk; it does not protect against whoever holds both the
database and the secret (an operator of the running service): they can unseal the rows.
"""
from __future__ import annotations

import base64
import json
import os
from typing import NamedTuple

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from engagement.token_secret import sealing_key

INFO = b"tillit pulse outbox v1"  # another key than the tokens' own, from the same secret
EVENT_ID_BYTES = 32  # uuid4().hex
WORDING_BYTES = 16
TEAM_BYTES = 512  # a team id is at most 128 characters, at most 4 bytes each in UTF-8
NONCE_BYTES = 12
COMMENT_CHARS = 1000  # the longest comment the answer API takes
COMMENT_BYTES = 4 * COMMENT_CHARS  # at most 4 bytes a character in UTF-8
COMMENT_MARK = b"\n"  # after the values (json.dumps writes no newline): a comment follows


def _cipher(secret: str) -> AESGCM:
    return sealing_key(secret, INFO)


class Sealed(NamedTuple):
    """What a sealed row holds."""

    event_id: str
    wording: str
    team: str
    answers: dict[str, int]
    comment: str  # "" when none was written or the pulse has no free text


def seal(secret: str, row_id: str, answer: Sealed, free_text: bool) -> str:
    """``answer`` as one sealed text (a random nonce, then the ciphertext), its comment only on a
    pulse with ``free_text`` (padded whether or not one was written)."""
    plain = (answer.event_id.encode().ljust(EVENT_ID_BYTES, b"\0") + answer.wording.encode().ljust(WORDING_BYTES, b"\0")
             + answer.team.encode().ljust(TEAM_BYTES, b"\0") + json.dumps(answer.answers, sort_keys=True).encode())
    if free_text:
        plain += COMMENT_MARK + answer.comment.replace("\0", "").encode().ljust(COMMENT_BYTES, b"\0")
    nonce = os.urandom(NONCE_BYTES)
    return base64.b64encode(nonce + _cipher(secret).encrypt(nonce, plain, row_id.encode())).decode()


def unseal(secret: str, row_id: str, sealed: str) -> Sealed:
    """What ``seal`` sealed; ``cryptography``'s InvalidTag if the secret or the row differ."""
    raw = base64.b64decode(sealed)
    plain = _cipher(secret).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], row_id.encode())
    def text(start: int, size: int) -> str:
        return plain[start:start + size].rstrip(b"\0").decode()
    team_at = EVENT_ID_BYTES + WORDING_BYTES
    values, _, comment = plain[team_at + TEAM_BYTES:].partition(COMMENT_MARK)
    return Sealed(text(0, EVENT_ID_BYTES), text(EVENT_ID_BYTES, WORDING_BYTES), text(team_at, TEAM_BYTES),
                  json.loads(values), comment.rstrip(b"\0").decode())
