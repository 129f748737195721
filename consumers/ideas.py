"""Ideas, the contributions that develop them, and the leaders' answers.

An adopted idea credits its author and everyone who built on it (``IdeaCredit``);
the notifications read model tells each of them. Of two answers the later event
time wins, so a retried older answer cannot overwrite a newer one.

Events may come in any order: an answer, edit or moderation decision for an idea or
contribution not seen yet, or a report of it, is parked (engagement/parking.py) and applied
when it arrives; a contribution to an idea adopted already is credited if it was made before
the adoption.

Batch-first: a batch reads the ideas, contributions and open reports its events name in three
queries (parked events it releases in three more), applies every event to plain rows in memory,
and writes each table once, together in one statement (engagement/bulk.py ``Writes``). Credits
are worked out at the end from what each adoption saw when it was applied, so they are the same
as if each adoption had been written at once.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engagement import bulk, parking
from engagement.bulk import where_keys
from engagement.events import Event, EventType, utc_naive
from engagement.ideas.model import AbuseReport, Contribution, Idea, IdeaCredit
from engagement.parking import Missing

from .base import Batch, Pairs, ReadModel

IDEA, CONTRIBUTION = "idea", "contribution"
MODELS: dict[str, Any] = {IDEA: Idea, CONTRIBUTION: Contribution}
COLUMNS = {kind: tuple(column.key for column in model.__table__.columns) for kind, model in MODELS.items()}
ON_IDEA = (EventType.IDEA_SUBMITTED, EventType.IDEA_ANSWERED, EventType.IDEA_ADOPTED, EventType.IDEA_EDITED)
ON_REPORTS = (EventType.CONTENT_REPORTED, EventType.CONTENT_MODERATED)
Row = dict[str, Any]  # an idea's or contribution's columns
Stored = tuple[str, str, datetime]  # (idea id, author, contributed_at) of a contribution stored before the batch


def item_of(event: Event) -> tuple[str, str]:
    """(table kind, id) of the idea or contribution an event reads or makes: a report or decision
    on anything but an idea concerns a contribution (as the table it is looked up in)."""
    if event.type == EventType.IDEA_CONTRIBUTED:
        return CONTRIBUTION, event.data["contribution_id"]
    if event.type in ON_IDEA or (event.type in ON_REPORTS and event.target.kind == IDEA):
        return IDEA, event.target.id
    return CONTRIBUTION, event.target.id


def _as_offered(kind: str):
    """A stored row becomes the one offered: the batch read it first and changed it in memory."""
    def offered(_table: Any, excluded: Any) -> dict[str, Any]:
        return {column: getattr(excluded, column) for column in COLUMNS[kind] if column != "id"}
    return offered


class IdeaRows(Batch):
    """The ideas, contributions and open reports the batch's events name, as plain rows; what the
    handlers change is marked and written once per table in :meth:`write`."""

    def __init__(self, session: Session, batch: Pairs, edit_window: int, reports_to_hide: int):
        super().__init__(session, batch)
        self.edit_window, self.reports_to_hide = edit_window, reports_to_hide
        self.items: dict[str, dict[str, Row | None]] = {IDEA: {}, CONTRIBUTION: {}}  # None: not seen yet
        self.changed: dict[str, set[str]] = {IDEA: set(), CONTRIBUTION: set()}
        self.open_reporters: dict[tuple[str, str], set[str]] = {}  # by target: reporters awaiting a decision
        self.reports: list[Row] = []  # this batch's new reports
        self.decided: dict[tuple[str, str], str] = {}  # by target: the decision on its reports stored before
        self.added: dict[str, list[Row]] = {}  # this batch's new contributions by idea, in the order applied
        self.adoptions: list[tuple[str, datetime, int]] = []  # (idea, moment, how many of ``added`` it saw)

    def load(self) -> None:
        self.load_for(self.events)

    def load_for(self, events: Iterable[Event]) -> None:
        """The rows ``events`` name that are not in memory yet: a query per table."""
        wanted: dict[str, set[str]] = {IDEA: set(), CONTRIBUTION: set()}
        targets: set[tuple[str, str]] = set()
        for event in events:
            kind, item_id = item_of(event)
            wanted[kind].add(item_id)
            if event.type == EventType.IDEA_CONTRIBUTED:
                wanted[IDEA].add(event.target.id)  # its idea may be adopted: credited late
            if event.type in ON_REPORTS:
                targets.add((event.target.kind, event.target.id))
        for kind, ids in wanted.items():
            self._load_items(kind, ids - self.items[kind].keys())
        self._load_reporters(targets - self.open_reporters.keys())

    def _load_items(self, kind: str, ids: set[str]) -> None:
        if not ids:
            return
        model = MODELS[kind]
        query = where_keys(self.session, select(*model.__table__.columns), [model.id], [(i,) for i in sorted(ids)])
        found = {row.id: dict(row._mapping) for row in self.session.execute(query)}
        self.items[kind].update({item_id: found.get(item_id) for item_id in ids})

    def _load_reporters(self, targets: set[tuple[str, str]]) -> None:
        if not targets:
            return
        query = where_keys(self.session, select(AbuseReport.target_kind, AbuseReport.target_id, AbuseReport.reporter)
                           .where(AbuseReport.decision.is_(None)),
                           [AbuseReport.target_kind, AbuseReport.target_id], sorted(targets))
        self.open_reporters.update({target: set() for target in targets})
        for kind, target_id, reporter in self.session.execute(query):
            self.open_reporters[(kind, target_id)].add(reporter)

    def get(self, kind: str, item_id: str) -> Row | None:
        if item_id not in self.items[kind]:  # every handled event's row is loaded first; this is a safety net
            self._load_items(kind, {item_id})
        return self.items[kind][item_id]

    def add(self, kind: str, row: Row) -> None:
        self.items[kind][row["id"]] = row
        self.changed[kind].add(row["id"])

    def reporters(self, kind: str, target_id: str) -> set[str]:
        if (kind, target_id) not in self.open_reporters:
            self._load_reporters({(kind, target_id)})
        return self.open_reporters[(kind, target_id)]

    def write(self) -> None:
        """Credits first, from the contributions stored before the batch; decisions on stored reports
        next (the batch's own reports carry theirs); then every table in one statement (on SQLite
        one after another: hence the credits before any of them)."""
        credits = list(self._credits().values())
        self._decide_stored()
        writes = bulk.Writes(self.session)
        for kind, ids in self.changed.items():
            rows = [row for row in (self.items[kind][i] for i in sorted(ids)) if row is not None]
            writes.add(MODELS[kind], rows, ("id",), _as_offered(kind))
        writes.add(AbuseReport, self.reports, ("event_id",))
        writes.add(IdeaCredit, credits, ("idea_id", "person"))
        writes.send()

    def _decide_stored(self) -> None:
        """Reports stored before the batch and undecided take the batch's first decision on their
        target: a statement per decision and kind (moderation is rare)."""
        by_decision: dict[tuple[str, str], list[str]] = {}
        for (kind, target_id), decision in sorted(self.decided.items()):
            by_decision.setdefault((decision, kind), []).append(target_id)
        for (decision, kind), ids in sorted(by_decision.items()):
            self.session.execute(update(AbuseReport).where(
                AbuseReport.target_kind == kind, AbuseReport.target_id.in_(ids), AbuseReport.decision.is_(None))
                .values(decision=decision))

    def _credits(self) -> dict[tuple[str, str], Row]:
        """Each adoption credits the author and whoever contributed before it, among the contributions
        stored and those the batch had applied by then; then ideas adopted at the batch's end credit
        contributions that came after their adoption (a back-fill). The first credit of a person wins,
        as does a stored one (the insert skips it)."""
        late = sorted(i for i in {e.target.id for e in self.events if e.type == EventType.IDEA_CONTRIBUTED}
                      if (self.items[IDEA].get(i) or {}).get("status") == "adopted")
        credits: dict[tuple[str, str], Row] = {}
        if not self.adoptions and not late:
            return credits
        stored = self._stored_contributions({i for i, _, _ in self.adoptions} | set(late))
        for idea_id, moment, seen in self.adoptions:
            self._credit(credits, idea_id, moment, stored.get(idea_id, []), self.added.get(idea_id, [])[:seen])
        for idea_id in late:
            idea = self.items[IDEA][idea_id]
            assert idea is not None
            self._credit(credits, idea_id, idea["answered_at"], stored.get(idea_id, []), self.added.get(idea_id, []))
        return credits

    def _stored_contributions(self, idea_ids: set[str]) -> dict[str, list[Stored]]:
        query = where_keys(self.session, select(Contribution.idea_id, Contribution.author, Contribution.contributed_at),
                           [Contribution.idea_id], [(i,) for i in sorted(idea_ids)])
        out: dict[str, list[Stored]] = {}
        for idea_id, author, contributed_at in self.session.execute(query):
            out.setdefault(idea_id, []).append((idea_id, author, contributed_at))
        return out

    def _credit(self, credits: dict[tuple[str, str], Row], idea_id: str, moment: datetime,
                stored: list[Stored], added: list[Row]) -> None:
        idea = self.items[IDEA][idea_id]
        assert idea is not None
        people = {idea["author"]: "author"}
        for author in [a for _, a, at in stored if at <= moment] + [c["author"] for c in added
                                                                   if c["contributed_at"] <= moment]:
            people.setdefault(author, "contributor")
        for person, role in people.items():
            credits.setdefault((idea_id, person), {"idea_id": idea_id, "person": person, "role": role,
                                                   "credited_at": moment})


class Ideas(ReadModel[IdeaRows]):
    name = "ideas"
    tables = (Idea, Contribution, IdeaCredit, AbuseReport)

    def __init__(self, edit_window: int = 900, reports_to_hide: int = 3) -> None:
        self.edit_window, self.reports_to_hide = edit_window, reports_to_hide
        self.handlers = {EventType.IDEA_SUBMITTED: submitted, EventType.IDEA_CONTRIBUTED: contributed,
                         EventType.IDEA_ANSWERED: answered, EventType.IDEA_ADOPTED: adopted,
                         EventType.IDEA_EDITED: edited, EventType.CONTRIBUTION_EDITED: edited,
                         EventType.CONTENT_REPORTED: reported, EventType.CONTENT_MODERATED: moderated}

    def begin(self, session: Session, batch: Pairs) -> IdeaRows:
        return IdeaRows(session, batch, self.edit_window, self.reports_to_hide)

    def provides(self, event: Event) -> str | None:
        if event.type == EventType.IDEA_SUBMITTED:
            return f"idea:{event.target.id}"
        if event.type == EventType.IDEA_CONTRIBUTED:
            return f"contribution:{event.data['contribution_id']}"
        return None

    def release(self, rows: IdeaRows, keys: set[str]) -> None:
        """As the base does, with the released events' rows read together first, not one by one."""
        while keys:
            waiting, keys = parking.take(rows.session, self.name, keys), set()
            rows.load_for(waiting)
            for event in waiting:
                self.apply_one(rows, event, keys)


def received(event: Event) -> datetime:
    """When the service took the event in; the client's own time for events from before that."""
    return utc_naive(event.received_at or event.time)


def submitted(rows: IdeaRows, event: Event) -> None:
    if rows.get(IDEA, event.target.id) is None:
        rows.add(IDEA, {"id": event.target.id, "campaign_id": event.data.get("campaign_id"), "author": event.actor,
                        "title": event.data["title"], "text": event.data.get("text", ""),
                        "submitted_at": utc_naive(event.time), "received_at": received(event), "status": "new",
                        "answer": None, "answered_by": None, "answered_at": None, "visibility": "visible",
                        "edited_at": None})


def contributed(rows: IdeaRows, event: Event) -> None:
    contribution_id = event.data["contribution_id"]
    if rows.get(CONTRIBUTION, contribution_id) is None:
        row = {"id": contribution_id, "idea_id": event.target.id, "author": event.actor, "text": event.data["text"],
               "contributed_at": utc_naive(event.time), "received_at": received(event), "visibility": "visible",
               "edited_at": None}
        rows.add(CONTRIBUTION, row)
        rows.added.setdefault(event.target.id, []).append(row)


def answered(rows: IdeaRows, event: Event) -> None:
    _answer(rows, event, event.data["status"])


def adopted(rows: IdeaRows, event: Event) -> None:
    _answer(rows, event, "adopted")


def _answer(rows: IdeaRows, event: Event, status: str) -> None:
    """Of two answers the later event time wins; an adoption credits what it sees now."""
    idea = rows.get(IDEA, event.target.id)
    if idea is None:
        raise Missing(f"idea:{event.target.id}", f"an answer to idea {event.target.id!r} not seen yet")
    moment = utc_naive(event.time)
    if idea["answered_at"] is not None and idea["answered_at"] > moment:
        return
    idea.update(status=status, answer=event.data.get("note") or None, answered_by=event.actor, answered_at=moment)
    rows.changed[IDEA].add(idea["id"])
    if status == "adopted":
        rows.adoptions.append((idea["id"], moment, len(rows.added.get(idea["id"], []))))


def edited(rows: IdeaRows, event: Event) -> None:
    """The author's edit within the window; anything else is ignored (the API refuses it too)."""
    kind, item_id = item_of(event)
    item = rows.get(kind, item_id)
    if item is None:
        raise Missing(f"{event.target.kind}:{event.target.id}",
                      f"an edit of {event.target.kind} {event.target.id!r} not seen yet")
    created = item["received_at"] or (item["submitted_at"] if kind == IDEA else item["contributed_at"])
    moment = utc_naive(event.time)
    if item["author"] != event.actor or (received(event) - created).total_seconds() > rows.edit_window:
        return
    if item["edited_at"] is not None and item["edited_at"] > moment:
        return
    if kind == IDEA and "title" in event.data:
        item["title"] = event.data["title"]
    if "text" in event.data:
        item["text"] = event.data["text"]
    item["edited_at"] = moment
    rows.changed[kind].add(item_id)


def reported(rows: IdeaRows, event: Event) -> None:
    """No pre-moderation, but enough distinct reporters hide the item until a moderator decides
    (one person cannot take a colleague's idea down alone); restored items stay up. A report
    for an item not seen yet waits for it (parked), so items need no look-up for reports."""
    kind, item_id = item_of(event)
    item = rows.get(kind, item_id)
    if item is None:
        raise Missing(f"{event.target.kind}:{event.target.id}",
                      f"a report of {event.target.kind} {event.target.id!r} not seen yet")
    rows.reports.append({"event_id": event.id, "target_kind": event.target.kind, "target_id": event.target.id,
                         "reporter": event.actor, "reason": event.data.get("reason", ""),
                         "reported_at": utc_naive(event.time), "decision": None})
    reporters = rows.reporters(event.target.kind, event.target.id)
    reporters.add(event.actor)
    if item["visibility"] == "visible" and len(reporters) >= rows.reports_to_hide:
        item["visibility"] = "hidden"
        rows.changed[kind].add(item_id)


def moderated(rows: IdeaRows, event: Event) -> None:
    """The decision shows or removes the item and decides every report on it awaiting one."""
    decision, target = event.data["decision"], (event.target.kind, event.target.id)
    kind, item_id = item_of(event)
    item = rows.get(kind, item_id)
    if item is None:
        raise Missing(f"{event.target.kind}:{event.target.id}",
                      f"a decision on {event.target.kind} {event.target.id!r} not seen yet")
    item["visibility"] = decision
    rows.changed[kind].add(item_id)
    for report in rows.reports:
        if (report["target_kind"], report["target_id"]) == target and report["decision"] is None:
            report["decision"] = decision
    rows.decided.setdefault(target, decision)
    rows.reporters(*target).clear()
