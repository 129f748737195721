"""What a person is shown of a row that is also someone else's: the inventory's per-table rules.

The export finds a person in every column that can hold them, but some rows hold more than what
is theirs. A notification group belongs to its recipient and carries each giver's entry, with the
giver's private Bra! message; a report of abusive content is confidential to the reporter and the
moderators, though it names the content's owner. Each rule here takes one row as the export found
it (values already made plain) and answers what of it the person sees, or None for nothing; the
inventory names the rule next to its table, so what a person is shown stays declared in one list.
GDPR art. 15(4): a person's copy must not take away the rights of others.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Row = dict[str, Any]
Rule = Callable[[Row, str], Row | None]

REPORTED = "content.reported"
# What the owner of reported content learns of a report: that it was, of what, and on which day.
REPORT_AS_THE_OWNER_SEES_IT = ("type", "target_kind", "target_id", "target_owner")


def own_entries_of_others_notifications(row: Row, person: str) -> Row | None:
    """A notification is its recipient's. Someone who liked, answered or gave a Bra! finds in
    another's group only their own entry (their own message); not the other givers, their words,
    nor when the group last changed (which would tell when someone else acted)."""
    if row["person"] == person:
        return row
    own = [a for a in row["actors"] or () if isinstance(a, dict) and a.get("p") == person]
    if not own:
        return None  # named only inside another giver's message: that message is not theirs
    return {**{k: v for k, v in row.items() if k != "last_at"}, "actors": own}


def own_tickets_of_a_draw(row: Row, person: str) -> Row | None:
    """A lottery draw's frozen list holds everyone's tickets; a person sees their own entry in it
    and the winners (who are announced anyway), never anyone else's tickets."""
    entries = [e for e in row.get("entries") or () if isinstance(e, list) and e and e[0] == person]
    return {**row, "entries": entries}


def reports_as_the_reporter_or_owner_sees_them(row: Row, person: str) -> Row | None:
    """A raw ``content.reported`` event in full to the reporter (its actor); to the owner of the
    reported content only that it was reported, what and on which day: no reporter, no sender,
    no event id (it carries the reporter's id) and no reason. Anyone else it names sees nothing."""
    if row["type"] != REPORTED or row["actor"] == person:
        return row
    if row["target_owner"] != person:
        return None
    return {**{k: row[k] for k in REPORT_AS_THE_OWNER_SEES_IT}, "reported_on": _day(row["occurred_at"])}


def reports_in_wire_form_to_the_reporter(row: Row, person: str) -> Row | None:
    """A copy of an event in its wire form (parked, or a dead letter): a report's copy only to its
    reporter; the owner learns of the report from the event log's row."""
    event = _wire(row["payload"])
    if event.get("type") == REPORTED and event.get("actor") != person:
        return None
    return row


def reports_to_the_reporter(row: Row, person: str) -> Row | None:
    """The review queue's report: the reporter's, never the reported content's owner's."""
    return row if row["reporter"] == person else None


def _wire(payload: Any) -> dict:
    """The event a payload holds, or {} for one that is not an event's JSON (a dead letter may not be)."""
    try:
        event = json.loads(payload) if isinstance(payload, (str, bytes)) else payload
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}


def _day(moment: Any) -> Any:
    """The day of an ISO moment ("2026-11-10T09:05:00Z" -> "2026-11-10")."""
    return moment[:10] if isinstance(moment, str) else moment
