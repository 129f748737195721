"""Whose idempotency space an event id lives in.

An event id is the idempotency key: the same id twice counts once. API keys (the intranet's
back end) share one plain id space, since their ids are often derived (``pub-<article>``) and
several back-end senders may retry each other's events. A person's widget token chooses ids
too, so each person gets a space of their own, ``~<person>~<client id>``: ids may not contain
``~``, so no client can send that form, nobody can spend an id the back end (or a colleague)
will publish with, and a widget's retry with the same id is still the same event. Read models
break ties of event time by id, live and in replay alike, on the id as kept here.
"""
from __future__ import annotations

import hashlib

MAX_LENGTH = 128  # the event id columns
# Erasure renames the person inside their ids to "erased-" + 16 hex digits; a scoped id leaves
# room for that, so the renamed id still fits the column.
PSEUDONYM_ROOM = len("erased-") + 16


def scoped(person: str, client_id: str) -> str:
    """The id a person's event is kept under; too long for the column, a digest of it instead
    (``~#<sha256>``, which names nobody)."""
    plain = f"~{person}~{client_id}"
    if len(plain) + max(0, PSEUDONYM_ROOM - len(person)) <= MAX_LENGTH:
        return plain
    return hashed(plain)


def hashed(event_id: str) -> str:
    """A fixed-length stand-in for an id that would not fit; no client can send it either."""
    return "~#" + hashlib.sha256(event_id.encode()).hexdigest()
