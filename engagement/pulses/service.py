"""Pulses: staff define one, Tillit works out who answers what, and takes each answer in.

A pulse is written directly (not via an event), so an answer to a closed pulse is refused at
once; ``pulse.opened`` then tells the read models (invitations). An answer is split in two at the
door, in one transaction: *that* the person answered (``PulseParticipation``: no time, no
answer) and *what* was answered (``PulseOutbox``: no person, no time). The outbox goes onto the
bus at the pulse's close, shuffled and folded into groups of at least ENGAGEMENT_MIN_GROUP_SIZE
(engagement/pulses/outbox.py), so neither the event log's order, its times nor its teams join
the two. Nothing here logs a person beside an answer.
"""
from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidTag
from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engagement.bus.base import EventBus
from engagement.directory.model import ManagerLink, Person, Team
from engagement.errors import EngagementError, FieldError, ValidationFailed
from engagement.events import Event, EventType, Target, utc_naive
from engagement.pulses import library, seal
from engagement.pulses.model import WORDINGS, Pulse, PulseOutbox, PulseParticipation
from engagement.translations import LANGS

_shuffler = random.SystemRandom()
# Waiting answers written again beside each new one: with it, five candidates for which is new,
# the default minimum group size.
MIXED_WITH = 4
SEALED = "sealed"  # an outbox row's wording column: the wording is inside the seal
ANONYMOUS = "anonymous"  # the actor of every pulse.answered event
SOURCE = "tillit"


class AlreadyAnswered(EngagementError):
    def __init__(self) -> None:
        super().__init__("This has been answered already; an answer cannot be changed or sent twice.", 409,
                         "Already answered", [FieldError("team", "Answered already for this team and wording.")])


class Assignment(NamedTuple):
    """One thing a person is asked to answer: a team's statements in one wording (a tuple, so
    ``(team, wording) in assignments(...)`` and unpacking work)."""

    team: str
    wording: str

    @property
    def anonymous(self) -> bool:
        """Only the team's own answers are anonymous; a leader's and their manager's are their views."""
        return self.wording == "team"


def status(pulse: Pulse, now: datetime) -> str:
    moment = utc_naive(now)
    if moment < pulse.opens_at:
        return "scheduled"
    return "open" if moment < pulse.closes_at else "closed"


def is_closed(pulse: Pulse, now: datetime) -> bool:
    return status(pulse, now) == "closed"


# --- defining ------------------------------------------------------------------------------------

def define(session: Session, bus: EventBus, fields: dict[str, Any], creator: str, sender: str,
           now: datetime, pulse_id: str | None = None) -> Pulse:
    """Store a pulse and publish ``pulse.opened``; 422 naming each bad field, and nothing stored
    then. The event goes out before the commit: if the bus cannot take it, nothing is kept.
    ``pulse_id`` is for the demo's own pulses; staff's get a random one."""
    opens_at = utc_naive(fields.get("opens_at") or now)
    closes_at = utc_naive(fields["closes_at"])
    statements = [_statement(s) for s in fields["statements"]]
    errors = _statement_errors(statements) + _unit_errors(session, fields["units"])
    if closes_at <= opens_at:
        errors.append(FieldError("closes_at", "Must be after opens_at (or after now when opens_at is left out)."))
    if closes_at <= utc_naive(now):
        errors.append(FieldError("closes_at", "Must lie in the future."))
    if errors:
        raise ValidationFailed(errors, "The pulse has invalid fields; nothing was stored.")
    pulse = Pulse(id=pulse_id or f"p-{uuid.uuid4().hex[:16]}", title=fields["title"], statements=statements,
                  units=list(dict.fromkeys(fields["units"])), opens_at=opens_at, closes_at=closes_at,
                  free_text=bool(fields.get("free_text", False)), created_by=creator, created_at=utc_naive(now))
    session.add(pulse)
    session.flush()
    bus.publish([opened_event(pulse, sender, now)])
    session.commit()
    return pulse


def close(session: Session, pulse: Pulse, now: datetime) -> None:
    """Close an open pulse now (its answers go out on the next release)."""
    pulse.closes_at = min(pulse.closes_at, utc_naive(now))
    session.commit()


def opened_event(pulse: Pulse, sender: str, now: datetime) -> Event:
    """What read models learn of a new pulse (notifications invite from it); ``sender`` is the
    defining principal's label, as on any event the API takes in."""
    return Event(id=f"pulse-opened-{pulse.id}", type=EventType.PULSE_OPENED, actor=pulse.created_by,
                 target=_target(pulse), time=aware(pulse.opens_at), source=SOURCE,
                 data={"title": pulse.title, "units": list(pulse.units), "opens_at": aware(pulse.opens_at).isoformat(),
                       "closes_at": aware(pulse.closes_at).isoformat()},
                 received_at=now, submitted_by=sender)


def _target(pulse: Pulse) -> Target:
    return Target("pulse", pulse.id, pulse.created_by)


def aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def _statement(given: str | Mapping) -> str | dict:
    """A library key as is; a custom statement with its texts filled in for every language and
    wording (a single text stands for all that are missing)."""
    if isinstance(given, str):
        return given
    texts = given["text"]
    if isinstance(texts, str):
        texts = {LANGS[0]: texts}
    first = next(iter(texts.values()))
    filled: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        own = texts.get(lang, first)
        own = own if isinstance(own, Mapping) else dict.fromkeys(WORDINGS, own)
        fallback = next(iter(own.values()))
        filled[lang] = {w: own.get(w, fallback) for w in WORDINGS}
    return {"key": given["key"], "text": filled}


def _statement_errors(statements: list[str | dict]) -> list[FieldError]:
    errors, seen = [], set()
    for index, statement in enumerate(statements):
        key = library.key_of(statement)
        if isinstance(statement, str) and key not in library.STATEMENTS:
            errors.append(FieldError(f"statements.{index}", f"No statement {key!r} in the library; "
                                     "a statement of your own is {\"key\": \"custom-1\", \"text\": ...}."))
        elif not isinstance(statement, str) and not library.is_custom(key):
            errors.append(FieldError(f"statements.{index}.key", "A statement of your own is keyed custom-<n>."))
        if key in seen:
            errors.append(FieldError(f"statements.{index}", f"{key!r} is asked twice."))
        seen.add(key)
    return errors


def _unit_errors(session: Session, units: list[str]) -> list[FieldError]:
    known = set(session.scalars(select(Team.id).where(Team.id.in_(units))))
    return [FieldError(f"units.{i}", f"No team {unit!r} in the directory.") for i, unit in enumerate(units)
            if unit not in known]


# --- who answers what ----------------------------------------------------------------------------

def subtree(session: Session, units: list[str]) -> set[str]:
    """The units and every team below them, in the directory's tree as it is now."""
    children: dict[str | None, list[str]] = {}
    for team, parent in session.execute(select(Team.id, Team.parent_id)):
        children.setdefault(parent, []).append(team)
    inside, stack = set(), list(units)
    while stack:
        team = stack.pop()
        if team not in inside:
            inside.add(team)
            stack.extend(children.get(team, ()))
    return inside


def assignments(session: Session, person: str, pulse: Pulse, now: datetime) -> list[Assignment]:
    """What ``person`` is asked to answer in ``pulse``: their own team's statements (``team``, or
    ``self`` for its leader), and ``manager`` for each team inside the pulse's units led by
    someone whose manager they are now."""
    teams = subtree(session, pulse.units)
    out = []
    own = session.get(Person, person)
    if own is not None and own.active and own.team_id in teams:
        out.append(Assignment(own.team_id, "self" if own.role == "leader" else "team"))
    moment = utc_naive(now)
    led = session.scalars(
        select(Person.team_id).join(ManagerLink, ManagerLink.person_id == Person.id)
        .where(ManagerLink.manager_id == person, Person.role == "leader", Person.active.is_(True),
               or_(ManagerLink.valid_from.is_(None), ManagerLink.valid_from <= moment),
               or_(ManagerLink.valid_to.is_(None), ManagerLink.valid_to > moment)))
    out += [Assignment(team, "manager") for team in sorted({t for t in led if t in teams and t is not None})]
    return list(dict.fromkeys(out))


def invited(session: Session, pulse: Pulse, now: datetime) -> dict[str, list[Assignment]]:
    """Everyone ``pulse`` asks, with what each is asked (``assignments`` for all at once, in a
    few queries): for invitations and reminders."""
    teams = subtree(session, pulse.units)
    out: dict[str, list[Assignment]] = {}
    leaders: dict[str, str] = {}  # leader -> their team
    for person, team, role in session.execute(select(Person.id, Person.team_id, Person.role).where(
            Person.active.is_(True), Person.team_id.in_(teams)).order_by(Person.id)):
        out.setdefault(person, []).append(Assignment(str(team), "self" if role == "leader" else "team"))
        if role == "leader":
            leaders[person] = str(team)
    moment = utc_naive(now)
    managed: dict[str, set[str]] = {}
    for person, manager in session.execute(select(ManagerLink.person_id, ManagerLink.manager_id).where(
            ManagerLink.person_id.in_(sorted(leaders)),
            or_(ManagerLink.valid_from.is_(None), ManagerLink.valid_from <= moment),
            or_(ManagerLink.valid_to.is_(None), ManagerLink.valid_to > moment))):
        managed.setdefault(manager, set()).add(leaders[person])
    for manager, led in sorted(managed.items()):  # as assignments lists them: own team, then led teams by id
        out.setdefault(manager, []).extend(Assignment(team, "manager") for team in sorted(led))
    return out


def open_pulses(session: Session, now: datetime) -> list[Pulse]:
    moment = utc_naive(now)
    return list(session.scalars(select(Pulse).where(Pulse.opens_at <= moment, Pulse.closes_at > moment)
                                .order_by(Pulse.closes_at, Pulse.id)))


def answered(session: Session, person: str, pulse_ids: list[str]) -> set[tuple[str, str, str]]:
    """(pulse, team, wording) that ``person`` has answered, of these pulses."""
    rows = session.execute(select(PulseParticipation.pulse_id, PulseParticipation.team_id, PulseParticipation.wording)
                           .where(PulseParticipation.person_id == person, PulseParticipation.pulse_id.in_(pulse_ids)))
    return {tuple(row) for row in rows}  # type: ignore[misc]


# --- answering -----------------------------------------------------------------------------------

def answer(session: Session, person: str, pulse: Pulse, fields: dict[str, Any], now: datetime, secret: str) -> None:
    """Take one answer in: participation and outbox row in one transaction, or neither. 422 naming
    the field when the pulse is not open, the person is not asked this, or the answers do not
    match the pulse's statements, or the pulse's answers have gone out; 409 when answered already.
    The answer waits in the outbox until the pulse closes, its team and values sealed with
    ``secret`` (the token secret: engagement/pulses/seal.py)."""
    errors = _answer_errors(session, person, pulse, fields, now)
    if errors:
        raise ValidationFailed(errors, "The answer has invalid fields; nothing was stored.")
    session.add(PulseParticipation(pulse_id=pulse.id, person_id=person, team_id=fields["team"],
                                   wording=fields["wording"]))
    try:
        session.flush()
        if _released(session, pulse):
            session.rollback()
            raise ValidationFailed([FieldError("pulse", "The pulse is closed; answers are taken while it is open.")],
                                   "The answer has invalid fields; nothing was stored.")
        given = seal.Sealed(uuid.uuid4().hex, fields["wording"], fields["team"], fields["answers"],
                            comment_of(fields) if pulse.free_text else "")
        _into_outbox(session, pulse, given, secret)
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise AlreadyAnswered() from exc


def _released(session: Session, pulse: Pulse) -> bool:
    """Whether the pulse's answers have gone out, read under a shared lock of its row: an answer
    that raced the close either is in the outbox before the release reads it, or is refused."""
    return session.scalar(select(Pulse.released_at).where(Pulse.id == pulse.id).with_for_update(read=True)) is not None


def _into_outbox(session: Session, pulse: Pulse, given: seal.Sealed, secret: str) -> None:
    """Add the answer to the pulse's outbox, with up to ``MIXED_WITH`` waiting answers, chosen at
    random, written again beside it in a random order, each under a new row id and sealed anew.

    Rows are stored in the order they are written (SQLite's rowid, PostgreSQL's heap and each
    row's transaction id), and the participation rows in the order people answered: appended
    one by one, the waiting answers would line up with the last participants, and two backups
    taken around one answer would differ by that answer's row alone. Written together with
    others, shuffled, under fresh ids and fresh seals, in this answer's transaction, they share
    its place and transaction, and a backup before and one after differ by five rows, none of
    which says which is the new one (the event id each will have on the bus is sealed inside, so
    no row id is ever seen again in the event log). A bounded number, not the whole outbox: every
    answer of an open pulse waits until it closes, and rewriting all of them would make each
    answer cost as much as the answers before it. Rows another answer is rewriting are skipped,
    not waited for (PostgreSQL), so answers to one pulse do not queue behind each other."""
    chosen = (select(PulseOutbox).where(PulseOutbox.pulse_id == pulse.id).order_by(func.random())
              .limit(MIXED_WITH).with_for_update(skip_locked=True))
    waiting = [(row, opened) for row in session.scalars(chosen) if (opened := _unsealed(secret, row)) is not None]
    answers = [given, *(opened for _, opened in waiting)]
    _shuffler.shuffle(answers)
    if waiting:
        with zeroed(session):  # SQLite: the old rows are overwritten in the file, not left in free pages
            session.execute(delete(PulseOutbox).where(PulseOutbox.id.in_([row.id for row, _ in waiting])))
    rows = []
    for answer in answers:
        row_id = uuid.uuid4().hex
        rows.append({"id": row_id, "pulse_id": pulse.id, "team_id": None, "wording": SEALED, "answers": None,
                     "sealed": seal.seal(secret, row_id, answer, pulse.free_text)})
    session.execute(insert(PulseOutbox), rows)


def _unsealed(secret: str, row: PulseOutbox) -> seal.Sealed | None:
    """The row's answer, or None when it was sealed under another secret (changed while the pulse
    was open): such a row is left as it is, for the sweep to report (engagement/pulses/outbox.py)."""
    try:
        return seal.unseal(secret, row.id, row.sealed or "")
    except InvalidTag:
        return None


@contextmanager
def zeroed(session: Session) -> Iterator[None]:
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:
        session.connection().exec_driver_sql("PRAGMA secure_delete=ON")
    try:
        yield
    finally:
        if sqlite:
            session.connection().exec_driver_sql("PRAGMA secure_delete=OFF")


def _answer_errors(session: Session, person: str, pulse: Pulse, fields: dict[str, Any],
                   now: datetime) -> list[FieldError]:
    current = status(pulse, now)
    if current != "open":
        return [FieldError("pulse", f"The pulse is {current}; answers are taken while it is open.")]
    if Assignment(fields["team"], fields["wording"]) not in assignments(session, person, pulse, now):
        return [FieldError("team", f"You are not asked to answer for team {fields['team']!r} "
                                   f"in the {fields['wording']!r} wording in this pulse.")]
    keys = [library.key_of(s) for s in pulse.statements]
    given = fields["answers"]
    errors = [FieldError(f"answers.{key}", "Not a statement of this pulse.") for key in given if key not in keys]
    errors += [FieldError(f"answers.{key}", "Missing: answer every statement (0 is \"don't know\").")
               for key in keys if key not in given]
    return errors + _comment_errors(pulse, fields)


def comment_of(fields: dict[str, Any]) -> str:
    """The answer's comment, trimmed ("" when none was written)."""
    return (fields.get("comment") or "").replace("\0", "").strip()


def _comment_errors(pulse: Pulse, fields: dict[str, Any]) -> list[FieldError]:
    """A comment only on a pulse with free text on, and at most ``COMMENT_CHARS`` characters."""
    comment = comment_of(fields)
    if comment and not pulse.free_text:
        return [FieldError("comment", "This pulse takes no written comments (free text is off).")]
    if len(comment) > seal.COMMENT_CHARS:
        return [FieldError("comment", f"At most {seal.COMMENT_CHARS} characters.")]
    return []


def get(session: Session, pulse_id: str) -> Pulse:
    pulse = session.get(Pulse, pulse_id)
    if pulse is None:
        raise EngagementError(f"No pulse {pulse_id!r}.", 404, "Not found")
    return pulse
