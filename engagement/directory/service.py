"""The directory: people and teams synced from the HR system, with team history.

A sync is one transaction: everything is checked first (unknown parents and teams,
duplicate ids, loops in the tree) and nothing is written if anything is wrong.
Team moves close one membership and open the next at ``as_of``, and new people join
at ``as_of``, so an event counts for the team its person was in when it happened and a
team's size at any time is the size it had then; people missing from a full sync
turn inactive and are never deleted.

The org tree keeps its history the same way: a team created, moved to another parent or
removed closes its placement and opens the next at ``as_of`` (a new team, like a new
person, is placed from ``as_of``, or from the beginning without it), so each past period is
folded by the tree it had. The past of the tree is never rewritten: a sync that changes the
tree with an ``as_of`` before the latest change already recorded is refused (422, ``as_of``).
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engagement.bulk import on_postgresql, where_keys
from engagement.directory.model import DirectoryVersion, ManagerLink, Membership, Person, Team, TeamPlacement
from engagement.errors import FieldError, ValidationFailed
from engagement.events import utc_naive

PERSON_FIELDS = ("name", "email", "role", "locale", "leaderboard_opt_out", "leaderboard_opt_in", "department")


def sync(session: Session, payload: dict[str, Any], now: datetime) -> dict[str, Any]:
    as_of = utc_naive(payload["as_of"] or now)
    joined = utc_naive(payload["as_of"]) if payload["as_of"] else None  # new people: from as_of, else always
    teams = {t.id: t for t in session.scalars(select(Team))}
    _check(session, payload, teams, as_of)
    report = {"dry_run": payload["dry_run"], "teams": Counter(), "people": Counter()}
    if payload["teams"]:
        tree = Placements(session)
        for row in payload["teams"]:
            report["teams"][_upsert_team(session, teams, tree, row, as_of, joined)] += 1
    only = _named_people(payload)
    people = {p.id: p for p in session.scalars(_among(select(Person), Person.id, only))}
    current = {m.person_id: m for m in session.scalars(
        _among(select(Membership).where(Membership.valid_to.is_(None)), Membership.person_id, only))}
    managers = Managers(session, only)
    seen = set()
    for row in payload["people"]:
        seen.add(row["id"])
        outcomes = _upsert_person(session, people, current, row, as_of, joined)
        if managers.set(row["id"], row.get("manager"), as_of, joined):
            outcomes = ["updated" if o == "unchanged" else o for o in outcomes]
        for outcome in outcomes:
            report["people"][outcome] += 1
    if payload["mode"] == "full":
        for person in people.values():
            if person.id not in seen and person.active:
                _deactivate(person, current.get(person.id), as_of)
                report["people"]["deactivated"] += 1
    if payload["dry_run"]:
        session.rollback()
    else:
        session.commit()
    return {"dry_run": payload["dry_run"], "teams": dict(report["teams"]), "people": dict(report["people"])}


# A delta naming at most this many people (a SCIM change names one, or a team's members) reads only
# their rows; a larger one, and every full sync, reads the whole directory once.
SMALL_DELTA = 500


def _named_people(payload: dict[str, Any]) -> list[str] | None:
    """The people a small delta names, or None when the sync reads everyone."""
    if payload["mode"] == "full" or len(payload["people"]) > SMALL_DELTA:
        return None
    return [row["id"] for row in payload["people"]]


def _among(query: Any, column: Any, only: list[str] | None) -> Any:
    return query if only is None else query.where(column.in_(only))


def _check(session: Session, payload: dict[str, Any], existing: dict[str, Team], as_of: datetime) -> None:
    errors = _duplicates(payload["teams"], "teams") + _duplicates(payload["people"], "people")
    removed = {t["id"] for t in payload["teams"] if t.get("removed", False)}
    parents = {t.id: t.parent_id for t in existing.values()} | {t["id"]: t["parent"] for t in payload["teams"]}
    parents = {t: p for t, p in parents.items() if t not in removed}
    for index, team in enumerate(payload["teams"]):
        if team.get("removed", False):
            errors += _still_used(session, payload, index, team["id"], parents)
        elif team["parent"] is not None and team["parent"] not in parents:
            errors.append(FieldError(f"teams.{index}.parent", f"Unknown team {team['parent']!r}."))
        elif _loops(team["id"], parents):
            errors.append(FieldError(f"teams.{index}.parent", "The org tree would have a loop."))
    for index, person in enumerate(payload["people"]):
        if person["team"] is not None and person["team"] not in parents:
            errors.append(FieldError(f"people.{index}.team", f"Unknown team {person['team']!r}."))
    errors += _rewrites_the_past(session, payload, existing, as_of)
    errors += _backdates_people(session, payload, as_of)
    if errors:
        raise ValidationFailed(errors, "The directory has errors; nothing was changed.")


def _still_used(session: Session, payload: dict[str, Any], index: int, team: str,
                parents: dict[str, str | None]) -> list[FieldError]:
    """A team is removed only when no team is below it and no active person is in it after the sync."""
    errors = []
    below = sorted(t for t, p in parents.items() if p == team)
    if below:
        errors.append(FieldError(f"teams.{index}.removed", f"Teams are still below {team!r}: {', '.join(below[:5])}."))
    listed = {p["id"] for p in payload["people"]}
    members = [] if payload["mode"] == "full" else sorted(
        p for p in session.scalars(select(Person.id).where(Person.team_id == team, Person.active.is_(True)))
        if p not in listed)
    if members:
        errors.append(FieldError(f"teams.{index}.removed",
                                 f"{len(members)} people are still in {team!r}; move them in the same sync."))
    return errors


def _rewrites_the_past(session: Session, payload: dict[str, Any], existing: dict[str, Team],
                       as_of: datetime) -> list[FieldError]:
    """A move or removal dated before the tree's latest recorded change would change what months
    already reported show, so it is refused rather than applied at another time than asked."""
    changes = [t for t in payload["teams"] if t["id"] in existing
               and (t.get("removed", False) or existing[t["id"]].parent_id != t["parent"])]
    if not changes:
        return []
    p = TeamPlacement
    latest = max((m for m in session.execute(select(func.max(p.valid_from), func.max(p.valid_to))).one()
                  if m is not None), default=None)
    if latest is None or as_of >= latest:
        return []
    return [FieldError("as_of", f"The org tree has a change recorded at {latest.isoformat()}Z; a team move or "
                                f"removal cannot take effect before it (past reports would change).")]


def _backdates_people(session: Session, payload: dict[str, Any], as_of: datetime) -> list[FieldError]:
    """A team move, manager change or leave dated before that person's latest recorded change (an
    HR sync dated earlier than a SCIM change made since) would open a period that ends before it
    starts, so it is refused, naming the person, rather than written out of order."""
    only = _named_people(payload)
    latest: dict[str, datetime] = {}
    for model in (Membership, ManagerLink):
        query = _among(select(model.person_id, func.max(model.valid_from), func.max(model.valid_to)),
                       model.person_id, only).group_by(model.person_id)
        for person, *moments in session.execute(query):
            for moment in moments:
                if moment is not None and moment > as_of and moment > latest.get(person, as_of):
                    latest[person] = moment
    if not latest:
        return []
    rows = {row["id"]: (index, row) for index, row in enumerate(payload["people"])}
    errors = []
    for person in session.scalars(select(Person).where(Person.id.in_(latest))):
        index, row = rows.get(person.id, (None, None))
        if row is None:
            changes = payload["mode"] == "full" and person.active  # a full sync's leaver
        else:
            changes = (person.team_id != row["team"] or person.active != row.get("active", True)
                       or manager_of(session, person.id) != row.get("manager"))
        if changes:
            errors.append(FieldError("as_of" if index is None else f"people.{index}.as_of",
                                     f"{person.id!r} has a change recorded at {latest[person.id].isoformat()}Z; "
                                     f"a team, manager or leave change cannot take effect before it."))
    return errors


def _duplicates(rows: list[dict], name: str) -> list[FieldError]:
    counts = Counter(row["id"] for row in rows)
    return [FieldError(f"{name}.{i}.id", f"{row['id']!r} appears {counts[row['id']]} times.")
            for i, row in enumerate(rows) if counts[row["id"]] > 1]


def _loops(team_id: str, parents: dict[str, str | None]) -> bool:
    seen: set[str] = set()
    node: str | None = team_id
    while node is not None:
        if node in seen:
            return True
        seen.add(node)
        node = parents.get(node)
    return False


class Placements:
    """The open placement of every team, and which ids the tree has ever held, read once per sync."""

    def __init__(self, session: Session):
        p = TeamPlacement
        self.session = session
        self.open = {row.team_id: row for row in session.scalars(select(p).where(p.valid_to.is_(None)))}
        self.known = set(session.scalars(select(p.team_id).distinct()))

    def place(self, team: str, name: str, parent: str | None, since: datetime | None, close_only: bool = False) -> None:
        """Close the team's open placement at ``since`` and (unless ``close_only``) open the next; a
        placement opened at that very moment is changed where it stands."""
        current = self.open.pop(team, None)
        if current is not None and since is not None and current.valid_from is not None \
                and current.valid_from >= since:
            if close_only:
                self.session.delete(current)
            else:
                current.parent_id, current.name = parent, name
                self.open[team] = current
            return
        if current is not None:
            current.valid_to = since
        if not close_only:
            self.open[team] = TeamPlacement(team_id=team, name=name, parent_id=parent, valid_from=since, valid_to=None)
            self.session.add(self.open[team])
        self.known.add(team)


def _upsert_team(session: Session, teams: dict[str, Team], tree: Placements, row: dict, as_of: datetime,
                 joined: datetime | None) -> str:
    """The team as of ``as_of``; its placement in the tree's history closed and opened there when
    it moves or goes. A new team is placed from ``joined``, or from ``as_of`` if the id had a past."""
    team = teams.get(row["id"])
    if row.get("removed", False):
        if team is None:
            return "unchanged"
        tree.place(team.id, team.name, None, as_of, close_only=True)
        session.delete(teams.pop(row["id"]))
        return "removed"
    if team is None:
        teams[row["id"]] = Team(id=row["id"], name=row["name"], parent_id=row["parent"])
        session.add(teams[row["id"]])
        tree.place(row["id"], row["name"], row["parent"], as_of if row["id"] in tree.known else joined)
        return "created"
    if (team.name, team.parent_id) == (row["name"], row["parent"]):
        return "unchanged"
    if team.name != row["name"]:
        session.execute(update(TeamPlacement).where(TeamPlacement.team_id == team.id).values(name=row["name"]))
    if team.parent_id != row["parent"]:
        tree.place(team.id, row["name"], row["parent"], as_of)
    team.name, team.parent_id = row["name"], row["parent"]
    return "updated"


def _upsert_person(session: Session, people: dict[str, Person], current: dict[str, Membership],
                   row: dict, as_of: datetime, joined: datetime | None) -> list[str]:
    """A new person is a member from ``joined`` (the sync's as_of), so they never count for a team
    before they were in it; without as_of (a first load) the directory knows no earlier history."""
    person = people.get(row["id"])
    leaving = not row.get("active", True)
    if person is None:
        person = Person(id=row["id"], team_id=row["team"], active=not leaving,
                        **{f: row.get(f) for f in PERSON_FIELDS})
        session.add(person)
        people[row["id"]] = person
        if not leaving:
            _join(session, current, person.id, row["team"], joined)
        return ["created"]
    if leaving:
        return _leaving(person, current, row, as_of)
    moved = person.team_id != row["team"] or (row["team"] is not None and person.id not in current)
    changed = moved or not person.active or any(getattr(person, f) != row.get(f) for f in PERSON_FIELDS)
    for f in PERSON_FIELDS:
        setattr(person, f, row.get(f))
    person.active = True
    if moved:
        _leave(current.get(person.id), as_of)
        _join(session, current, person.id, row["team"], as_of)
        person.team_id = row["team"]
    return (["moved"] if moved else []) + ["updated" if changed else "unchanged"]


def _leaving(person: Person, current: dict[str, Membership], row: dict, as_of: datetime) -> list[str]:
    """A row with ``active`` false (SCIM's deactivation; the JSON sync's contract has no such field,
    a full sync leaves people out instead): the person left at ``as_of``. Their details are updated and
    their membership closed; the team they were last in stays on their row, as a full sync's
    deactivation leaves it."""
    changed = any(getattr(person, f) != row.get(f) for f in PERSON_FIELDS)
    for f in PERSON_FIELDS:
        setattr(person, f, row.get(f))
    if not person.active:
        return ["updated" if changed else "unchanged"]
    _deactivate(person, current.pop(person.id, None), as_of)
    return ["deactivated"]


class Managers:
    """The open manager row of every person, read once per sync; a change closes it at ``as_of``
    and opens the next, so who managed whom is known for any past moment."""

    def __init__(self, session: Session, only: list[str] | None = None):
        m = ManagerLink
        self.session = session
        self.open = {row.person_id: row for row in session.scalars(
            _among(select(m).where(m.valid_to.is_(None)), m.person_id, only))}
        self.known = set(session.scalars(_among(select(m.person_id).distinct(), m.person_id, only)))

    def set(self, person: str, manager: str | None, as_of: datetime, joined: datetime | None) -> bool:
        """Whether the manager changed."""
        current = self.open.get(person)
        if (current.manager_id if current else None) == manager:
            return False
        since: datetime | None = as_of
        if current is not None:
            current.valid_to = as_of
            del self.open[person]
        else:
            since = as_of if person in self.known else joined
        if manager is not None:
            self.open[person] = ManagerLink(person_id=person, manager_id=manager, valid_from=since, valid_to=None)
            self.session.add(self.open[person])
            self.known.add(person)
        return True


def manager_of(session: Session, person: str) -> str | None:
    """The person's manager now (the open row)."""
    m = ManagerLink
    return session.scalar(select(m.manager_id).where(m.person_id == person, m.valid_to.is_(None)))


def _join(session: Session, current: dict[str, Membership], person_id: str, team_id: str | None,
          since: datetime | None) -> None:
    if team_id is None:
        current.pop(person_id, None)
        return
    membership = Membership(person_id=person_id, team_id=team_id, valid_from=since, valid_to=None)
    session.add(membership)
    current[person_id] = membership


def _leave(membership: Membership | None, as_of: datetime) -> None:
    if membership is not None:
        membership.valid_to = as_of


def _deactivate(person: Person, membership: Membership | None, as_of: datetime) -> None:
    person.active = False
    _leave(membership, as_of)


def teams_at(session: Session, people: set[str]) -> dict[str, list]:
    """Every membership of these people (those with any), for finding the team at an event's
    moment. Plain rows, not ORM objects: consumers read thousands per batch and never change them.

    On PostgreSQL the memberships read are kept in this process while the directory's version
    (bumped by a trigger with every write to the memberships, in its transaction) stays the same:
    a batch reads that one number and the memberships of the people it is the first to meet, and
    the very next batch after a committed change reads them all afresh."""
    if not people:
        return {}
    if not on_postgresql(session):
        return _memberships(session, people)
    version = directory_version(session)
    key = str(session.get_bind().engine.url)
    kept = _KEPT.get(key)
    if kept is None or kept[0] != version or len(kept[1]) > KEPT_PEOPLE:
        kept = _KEPT[key] = (version, {})
    known = kept[1]
    if missing := people - known.keys():
        read = _memberships(session, missing)
        for person in missing:
            known[person] = read.get(person, [])
    return {person: rows for person in people if (rows := known[person])}


KEPT_PEOPLE = 200_000  # people whose memberships are kept per database at most (a few hundred bytes each)
_KEPT: dict[str, tuple[int | None, dict[str, list]]] = {}  # by database: (version, memberships by person)


def directory_version(session: Session) -> int | None:
    """A number that changes with every committed write to the memberships (PostgreSQL)."""
    return session.scalar(select(DirectoryVersion.version).where(DirectoryVersion.id == 1))


class Period(NamedTuple):
    """One membership as :func:`team_of` reads it (a tuple: its fields read fast, a Row's do not)."""

    person_id: str
    team_id: str
    valid_from: datetime | None
    valid_to: datetime | None


def _memberships(session: Session, people: set[str]) -> dict[str, list]:
    out: dict[str, list] = {}
    m = Membership
    statement = select(m.person_id, m.team_id, m.valid_from, m.valid_to)
    for row in session.execute(where_keys(session, statement, (m.person_id,), {(p,) for p in people})):
        out.setdefault(row[0], []).append(Period(*row))
    return out


def team_of(memberships: dict[str, list], person: str, moment: datetime) -> str | None:
    """The team of the first of the person's memberships (:class:`Period` tuples) that holds at
    ``moment`` (naive UTC); unpacked, as consumers ask this for every event of a batch."""
    for _person, team_id, valid_from, valid_to in memberships.get(person, ()):
        if (valid_from is None or valid_from <= moment) and (valid_to is None or moment < valid_to):
            return team_id
    return None
