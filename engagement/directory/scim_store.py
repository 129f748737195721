"""SCIM Users and Groups over Tillit's directory. Every change goes through the directory sync
(engagement/directory/service.py) as a delta dated now, so it lands in the directory's history
exactly as an HR sync's would: a team move closes one membership and opens the next, a person
who leaves turns inactive (never deleted), a manager change closes one manager row. Only the
SCIM-only facts (userName, externalId, the attributes as sent, the times) live in the two SCIM
tables, written in the same transaction: a refused change leaves nothing behind.

Which team a person is in comes from one source, ENGAGEMENT_SCIM_TEAMS: ``groups`` (default; a
Group is a team, its members are in it, the last group a person was added to wins, since a person
is in one team) or ``department`` (the team named by the department, made when first seen;
Groups then cannot change members).
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement.config import check_scim_teams
from engagement.directory import service as directory
from engagement.directory.model import Person, ScimGroup, ScimUser, Team, TeamPlacement
from engagement.directory.scim import ENTERPRISE, GROUP, USER, GroupInput, ScimError, UserInput
from engagement.errors import ValidationFailed, flatten
from engagement.events import utc_naive
from engagement.schemas.directory import PersonSchema, TeamSchema

# directory field -> the SCIM attribute a refusal names
FIELD_NAMES = {"id": "userName", "name": "displayName", "email": "emails", "manager": f"{ENTERPRISE}:manager",
               "department": f"{ENTERPRISE}:department", "team": "members"}
NORDIC = str.maketrans({"æ": "ae", "ø": "o", "å": "a"})  # letters NFKD does not take apart
USER_FILTERS = {"username": "userName", "externalid": "externalId", "id": "id"}
GROUP_FILTERS = {"displayname": "displayName", "externalid": "externalId", "id": "id"}


class Store:
    """One request's work on the directory, at one moment."""

    def __init__(self, session: Session, config: Any, base: str):
        self.session = session
        self.teams_from = check_scim_teams(config["ENGAGEMENT_SCIM_TEAMS"])
        self.base = base
        self.now = datetime.now(UTC)

    # --- reading -----------------------------------------------------------------------

    def user(self, person_id: str) -> dict[str, Any]:
        row = self.session.get(ScimUser, person_id)
        person = self.session.get(Person, person_id)
        if row is None or row.deleted_at is not None or person is None:
            raise ScimError(f"No User {person_id!r}.", 404, None)
        return self._user_body(row, person)

    def _user_body(self, row: ScimUser, person: Person) -> dict[str, Any]:
        stored = json.loads(row.attributes or "{}")
        body: dict[str, Any] = {"schemas": [USER], "id": person.id, "userName": row.user_name}
        if row.external_id is not None:
            body["externalId"] = row.external_id
        unset = stored.pop("activeUnset", False)
        body.update(stored)
        if not (unset and person.active):
            body["active"] = bool(person.active)
        extension: dict[str, Any] = {}
        if person.department:
            extension["department"] = person.department
        manager = directory.manager_of(self.session, person.id)
        if manager is not None:
            extension["manager"] = {"value": manager}
        if extension:
            body["schemas"] = [USER, ENTERPRISE]
            body[ENTERPRISE] = extension
        return _with_meta(body, "User", row.created, row.last_modified, f"{self.base}/Users/{person.id}")

    def users(self, clauses: list[tuple[str, str]], start: int, count: int) -> tuple[int, list[dict[str, Any]]]:
        query = select(ScimUser).where(ScimUser.deleted_at.is_(None))
        for name, value in clauses:
            if name == "userName":
                query = query.where(ScimUser.user_name_key == value.lower())
            elif name == "externalId":
                query = query.where(ScimUser.external_id == value)
            elif name == "id":
                query = query.where(ScimUser.person_id == value)
            else:
                raise ScimError(f"Tillit cannot filter Users on {name!r}.", 400, "invalidFilter")
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(query.order_by(ScimUser.created, ScimUser.person_id)
                                    .offset(start - 1).limit(count)).all()
        ids = [r.person_id for r in rows]
        people = {p.id: p for p in self.session.scalars(select(Person).where(Person.id.in_(ids)))}
        return total, [self._user_body(r, people[r.person_id]) for r in rows if r.person_id in people]

    def group(self, team_id: str, with_members: bool = True) -> dict[str, Any]:
        row = self.session.get(ScimGroup, team_id)
        team = self.session.get(Team, team_id)
        if row is None or row.deleted_at is not None or team is None:
            raise ScimError(f"No Group {team_id!r}.", 404, None)
        return self._group_body(row, team, with_members)

    def _group_body(self, row: ScimGroup, team: Team, with_members: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {"schemas": [GROUP], "id": team.id, "displayName": team.name}
        if row.external_id is not None:
            body["externalId"] = row.external_id
        members = self.session.scalars(select(Person.id).where(
            Person.team_id == team.id, Person.active.is_(True)).order_by(Person.id)).all()
        if members:
            body["members"] = [{"value": pid, "$ref": f"{self.base}/Users/{pid}"} for pid in members]
        # the version covers the members also when they are left out of the answer (excludedAttributes)
        versioned = _with_meta(body, "Group", row.created, row.last_modified, f"{self.base}/Groups/{team.id}")
        if not with_members:
            versioned.pop("members", None)
        return versioned

    def groups(self, clauses: list[tuple[str, str]], start: int, count: int,
               with_members: bool = True) -> tuple[int, list[dict[str, Any]]]:
        query = select(ScimGroup, Team).join(Team, Team.id == ScimGroup.team_id).where(ScimGroup.deleted_at.is_(None))
        for name, value in clauses:
            if name == "displayName":
                query = query.where(Team.id.in_(self._named(value)))
            elif name == "externalId":
                query = query.where(ScimGroup.external_id == value)
            elif name == "id":
                query = query.where(Team.id == value)
            elif name == "members":
                query = query.where(Team.id.in_(select(Person.team_id).where(Person.id == value,
                                                                             Person.active.is_(True))))
            else:
                raise ScimError(f"Tillit cannot filter Groups on {name!r}.", 400, "invalidFilter")
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.execute(query.order_by(ScimGroup.created, ScimGroup.team_id)
                                    .offset(start - 1).limit(count)).all()
        return total, [self._group_body(g, t, with_members) for g, t in rows]

    # --- writing users -----------------------------------------------------------------

    def create_user(self, given: UserInput) -> dict[str, Any]:
        """A new person, or one the directory already knows (from an HR sync, or deleted over SCIM
        before) taken over under the same id; a userName in use by a live User is a conflict."""
        self._unique_user_name(given.user_name, None)
        person_id = self._person_for(given.user_name)
        row = self.session.get(ScimUser, person_id)
        if row is not None and row.deleted_at is None:
            raise ScimError(f"The person id {person_id!r} belongs to another User.", 409, "uniqueness")
        person = self.session.get(Person, person_id)
        if row is None:
            row = ScimUser(person_id=person_id, user_name=given.user_name, user_name_key=given.user_name.lower(),
                           created=self._naive, last_modified=self._naive)
            self.session.add(row)
        else:
            row.created, row.deleted_at = self._naive, None
        self._write_user(row, person, person_id, given)
        return self.user(person_id)

    def _person_for(self, user_name: str) -> str:
        """The person id a new User takes: the userName, or the id of the one person the directory
        (or an earlier, deleted User) has under that name in another case, since userName is not
        case-sensitive and a second person for the same login would split their history."""
        if self.session.get(Person, user_name) is not None:
            return user_name
        key = user_name.lower()
        found = set(self.session.scalars(select(Person.id).where(func.lower(Person.id) == key)))
        found |= set(self.session.scalars(select(ScimUser.person_id).where(ScimUser.user_name_key == key)))
        if len(found) > 1:
            raise ScimError(f"userName {user_name!r} matches more than one person ignoring case: "
                            f"{', '.join(sorted(found))}; give one of those exactly.", 409, "uniqueness")
        return found.pop() if found else user_name

    def replace_user(self, person_id: str, given: UserInput) -> dict[str, Any]:
        row = self._live_user(person_id)
        self._unique_user_name(given.user_name, person_id)
        self._write_user(row, self.session.get(Person, person_id), person_id, given)
        return self.user(person_id)

    def delete_user(self, person_id: str) -> None:
        """The person leaves (inactive, kept in history); the User is gone for SCIM."""
        row = self._live_user(person_id)
        person = self.session.get(Person, person_id)
        row.deleted_at = row.last_modified = self._naive
        if person is not None:
            self._sync(people=[{**self._person_row(person), "active": False}])
        else:
            self.session.commit()

    def _write_user(self, row: ScimUser, person: Person | None, person_id: str, given: UserInput) -> None:
        if given.manager is not None and given.manager.lower() == person_id.lower():
            raise ScimError(f"{ENTERPRISE}:manager: a person cannot be their own manager.", 400, "invalidValue")
        row.user_name, row.user_name_key = given.user_name, given.user_name.lower()
        row.external_id = given.external_id
        row.attributes = json.dumps(given.stored(), sort_keys=True)
        row.last_modified = self._naive
        current = self._person_row(person) if person is not None else {"id": person_id, "team": None}
        teams: list[dict[str, Any]] = []
        team = current.get("team")
        if self.teams_from == "department":
            team = self._department_team(given.department, teams)
        self._sync(people=[{**current, "name": given.person_name, "email": given.email, "team": team,
                            "manager": given.manager, "department": given.department, "active": given.active}],
                   teams=teams)

    def _department_team(self, department: str | None, teams: list[dict[str, Any]]) -> str | None:
        """The team named by ``department`` (case as the directory has it), made as a Group when new."""
        if not department:
            return None
        existing = self._named(department)
        if existing:
            return existing[0]
        team_id = self._free_team_id(department)
        teams.append({"id": team_id, "name": department, "parent": None})
        self.session.add(ScimGroup(team_id=team_id, created=self._naive, last_modified=self._naive))
        return team_id

    def _unique_user_name(self, user_name: str, own: str | None) -> None:
        holder = self.session.scalar(select(ScimUser.person_id).where(
            ScimUser.user_name_key == user_name.lower(), ScimUser.deleted_at.is_(None)))
        if holder is not None and holder != own:
            raise ScimError(f"userName {user_name!r} is taken by another User.", 409, "uniqueness")

    def _live_user(self, person_id: str) -> ScimUser:
        row = self.session.get(ScimUser, person_id)
        if row is None or row.deleted_at is not None:
            raise ScimError(f"No User {person_id!r}.", 404, None)
        return row

    # --- writing groups ----------------------------------------------------------------

    def create_group(self, given: GroupInput) -> dict[str, Any]:
        """A new team, or a team of that name the directory has that no Group holds yet."""
        named = self._named(given.display_name)
        if self._live_groups(named):
            raise ScimError(f"displayName {given.display_name!r} is taken by another Group.", 409, "uniqueness")
        team = self.session.get(Team, named[0]) if named else None
        team_id = team.id if team is not None else self._free_team_id(given.display_name)
        row = self.session.get(ScimGroup, team_id)
        if row is None:
            row = ScimGroup(team_id=team_id, created=self._naive, last_modified=self._naive)
            self.session.add(row)
        row.created, row.last_modified, row.deleted_at = self._naive, self._naive, None
        parent = team.parent_id if team is not None else None
        if team is not None:  # a team taken over keeps its people; only a later PUT or PATCH removes them
            current = sorted(p.id for p in self._members(team_id))
            given.members = current + [m for m in given.members if m not in current]
        self._write_group(row, team_id, parent, given)
        return self.group(team_id)

    def replace_group(self, team_id: str, given: GroupInput) -> dict[str, Any]:
        row = self._live_group(team_id)
        if self._live_groups(self._named(given.display_name)) - {team_id}:
            raise ScimError(f"displayName {given.display_name!r} is taken by another Group.", 409, "uniqueness")
        team = self.session.get(Team, team_id)
        if not given.members_given:  # a PUT that does not name members leaves them as they are
            given.members = sorted(p.id for p in self._members(team_id))
        self._write_group(row, team_id, team.parent_id if team else None, given)
        return self.group(team_id)

    def delete_group(self, team_id: str) -> None:
        """The team leaves the tree (its history kept); its people are in no team from now."""
        row = self._live_group(team_id)
        team = self.session.get(Team, team_id)
        row.deleted_at = row.last_modified = self._naive
        members = self._members(team_id)
        if team is None:
            self.session.commit()
            return
        self._sync(people=[{**self._person_row(p), "team": None} for p in members],
                   teams=[{"id": team_id, "name": team.name, "parent": team.parent_id, "removed": True}])

    def _write_group(self, row: ScimGroup, team_id: str, parent: str | None, given: GroupInput) -> None:
        row.external_id, row.last_modified = given.external_id, self._naive
        current = self._members(team_id)
        wanted = set(given.members)
        if self.teams_from == "department" and wanted != {p.id for p in current}:
            raise ScimError("Teams follow the department (ENGAGEMENT_SCIM_TEAMS=department): a Group's "
                            "members cannot be changed.", 400, "mutability")
        known = {p.id: p for p in self.session.scalars(select(Person).where(Person.id.in_(wanted)))}
        unknown = [f"members[{i}].value: no User {v!r}" for i, v in enumerate(given.members) if v not in known]
        if unknown:
            raise ScimError("Bad attributes: " + "; ".join(unknown) + ". Nothing was changed.")
        people = [{**self._person_row(p), "team": None} for p in current if p.id not in wanted]
        people += [{**self._person_row(p), "team": team_id} for p in known.values()
                   if p.active and p.team_id != team_id]
        self._touch_groups({p.team_id for p in known.values() if p.team_id and p.team_id != team_id})
        self._sync(people=people, teams=[{"id": team_id, "name": given.display_name, "parent": parent}])

    def _named(self, name: str) -> list[str]:
        """The ids of the teams called ``name``, in any case: compared here, since SQLite's lower()
        knows only ASCII and team names are Norwegian."""
        wanted = name.casefold()
        return sorted(t for t, n in self.session.execute(select(Team.id, Team.name)) if n.casefold() == wanted)

    def _live_groups(self, team_ids: list[str]) -> set[str]:
        return set(self.session.scalars(select(ScimGroup.team_id).where(
            ScimGroup.team_id.in_(team_ids), ScimGroup.deleted_at.is_(None))))

    def _members(self, team_id: str) -> list[Person]:
        return list(self.session.scalars(select(Person).where(Person.team_id == team_id, Person.active.is_(True))))

    def _live_group(self, team_id: str) -> ScimGroup:
        row = self.session.get(ScimGroup, team_id)
        if row is None or row.deleted_at is not None:
            raise ScimError(f"No Group {team_id!r}.", 404, None)
        return row

    def _touch_groups(self, team_ids: set[str]) -> None:
        """Groups a person left by moving to another are modified too."""
        for row in self.session.scalars(select(ScimGroup).where(ScimGroup.team_id.in_(team_ids))):
            row.last_modified = self._naive

    def _free_team_id(self, name: str) -> str:
        """A readable team id from a name, never one the tree has held."""
        ascii_name = unicodedata.normalize("NFKD", name.lower().translate(NORDIC)).encode("ascii", "ignore").decode()
        base = re.sub(r"[^a-z0-9._@-]+", "-", ascii_name).strip("-._@")[:100] or "team"
        candidate, n = base, 1
        while self.session.get(Team, candidate) is not None or self.session.scalar(
                select(func.count()).select_from(TeamPlacement).where(TeamPlacement.team_id == candidate)):
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    # --- the directory -----------------------------------------------------------------

    @property
    def _naive(self) -> datetime:
        return utc_naive(self.now)

    def _person_row(self, person: Person) -> dict[str, Any]:
        """The person as the directory holds them, as a sync row (what SCIM does not set is kept)."""
        return {"id": person.id, "name": person.name, "email": person.email, "team": person.team_id,
                "role": person.role, "locale": person.locale, "leaderboard_opt_out": person.leaderboard_opt_out,
                "leaderboard_opt_in": person.leaderboard_opt_in, "department": person.department,
                "manager": directory.manager_of(self.session, person.id), "active": person.active}

    def _sync(self, people: list[dict[str, Any]], teams: list[dict[str, Any]] | None = None) -> None:
        """A delta sync dated now through the contract's own checks; any refusal rolls back the
        SCIM rows too and names the SCIM attribute."""
        try:
            payload = {"mode": "delta", "as_of": self.now, "dry_run": False,
                       "teams": [_loaded(TeamSchema(), t) for t in teams or []],
                       "people": [_person(p) for p in people]}
            directory.sync(self.session, payload, self.now)
        except ValidationFailed as exc:
            self.session.rollback()
            named = [f"{FIELD_NAMES.get(e.field.rsplit('.', 1)[-1], e.field)}: {e.message}" for e in exc.errors]
            raise ScimError("Bad attributes: " + "; ".join(named) + " Nothing was changed.") from exc
        except Exception:
            self.session.rollback()
            raise


def _person(row: dict[str, Any]) -> dict[str, Any]:
    """A person row checked by the sync's own contract; ``active`` is not a field of it (an HR
    sync says who left by leaving them out of a full sync), so it is added after the check."""
    fields = {k: v for k, v in row.items() if k != "active"}
    return {**_loaded(PersonSchema(), fields), "active": row.get("active", True)}


def _loaded(schema: Any, row: dict[str, Any]) -> dict[str, Any]:
    try:
        return schema.load(row)
    except ValidationError as exc:
        raise ValidationFailed(flatten(exc.messages)) from exc


def _with_meta(body: dict[str, Any], kind: str, created: datetime, modified: datetime, location: str) -> dict[str, Any]:
    """meta, with a version that changes whenever the representation does (a weak ETag), and only
    then: not with the address the client used (Host), which the references carry."""
    base = location.rsplit("/", 2)[0]
    text = json.dumps(body, sort_keys=True, default=str).replace(json.dumps(base)[1:-1], "")
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    body["meta"] = {"resourceType": kind, "created": _iso(created), "lastModified": _iso(modified),
                    "location": location, "version": f'W/"{digest}"'}
    return body


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
