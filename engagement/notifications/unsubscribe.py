"""The unsubscribe link in every digest: signed, dated, and revocable.

The link works without logging in (mail clients and RFC 8058 one-click POSTs carry no
credentials), so the token itself is the authority. It names the person and the person's
link generation, and carries the time it was made: it stops working after
ENGAGEMENT_UNSUBSCRIBE_DAYS, and at once when the generation moves on — when the person
turns e-mail on again (an old digest must not switch it off behind their back) or asks
for every old link to be revoked.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from engagement.notifications.model import NotifyPreference
from engagement.notifications.service import preferences

SALT = "tillit-unsubscribe-v2"
UNDATED_SALT = "tillit-unsubscribe"  # links mailed before they were dated: answered as expired
DAY = 86_400


@dataclass(frozen=True)
class Link:
    """What a token says: whose it is, and whether it still works (``state``: ok, expired, revoked, invalid)."""

    person: str | None
    state: str


def make_token(secret: str, person: str, generation: int) -> str:
    return URLSafeTimedSerializer(secret, salt=SALT).dumps([person, generation])


def read_token(session: Session, secret: str, token: str, max_age_days: int) -> Link:
    """The person a token names, if its signature, age and generation all hold."""
    serializer = URLSafeTimedSerializer(secret, salt=SALT)
    try:
        payload = serializer.loads(token, max_age=max_age_days * DAY)
    except SignatureExpired as exc:
        return Link(_person_of(exc.payload, serializer), "expired")
    except BadSignature:
        return _undated(secret, token)
    if not _well_formed(payload):
        return Link(None, "invalid")
    person, generation = payload
    current = preferences(session, person).unsubscribe_generation or 0
    return Link(person, "ok" if generation == current else "revoked")


def _undated(secret: str, token: str) -> Link:
    """A genuine link from before links were dated never expired; it has now, and says so."""
    try:
        person = URLSafeSerializer(secret, salt=UNDATED_SALT).loads(token)
    except BadSignature:
        return Link(None, "invalid")
    return Link(person if isinstance(person, str) else None, "expired")


def _well_formed(payload: object) -> bool:
    return (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], str)
            and isinstance(payload[1], int) and not isinstance(payload[1], bool))


def _person_of(raw: Any, serializer: URLSafeTimedSerializer) -> str | None:
    """The person an expired token named (its signature was good), to answer in their language."""
    try:
        payload = serializer.load_payload(raw)
    except BadSignature:
        return None
    return payload[0] if _well_formed(payload) else None


def revoke(session: Session, person: str) -> int:
    """Every unsubscribe link made so far stops working; answer the new generation."""
    row = session.get(NotifyPreference, person)
    if row is None:
        row = preferences(session, person)
        session.add(row)
    row.unsubscribe_generation = (row.unsubscribe_generation or 0) + 1
    session.commit()
    return row.unsubscribe_generation
