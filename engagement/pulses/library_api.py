"""What communications staff pick from when they define a pulse: the built-in statements in the
page's language, and the directory's teams with where each sits in the tree.

Both are read-only and for the same callers who may define or list pulses (the ``communications``
role, or an API key with ``pulses:manage`` or ``reports:read``): the team names are the
directory's, which members and leaders have no list of elsewhere either.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engagement.directory.model import Team
from engagement.pulses import library
from engagement.pulses.api import may_list_pulses
from engagement.schemas.pulse_library import LibrarySchema, PulseUnitListSchema
from engagement.schemas.pulses import LangQuery
from engagement.state import state
from engagement.web.requests import Blueprint, guarded

blp = Blueprint("pulse_library", __name__)


@blp.route("/v1/pulses/library")
@guarded(may_list_pulses)
@blp.arguments(LangQuery, location="query")
@blp.response(200, LibrarySchema)
def read_library(args: dict):
    """The built-in statements, each with its team, self and manager wording in one language

    ?lang= nb, nn, da or en (default nb). Leader statements first, then team climate."""
    lang = args.get("lang") or "nb"
    return {"lang": lang, "statements": [
        {"key": key, "group": key.split(".", 1)[0], "texts": dict(texts[lang])}
        for key, texts in library.STATEMENTS.items()]}


@blp.route("/v1/pulses/teams")
@guarded(may_list_pulses)
@blp.response(200, PulseUnitListSchema)
def list_units():
    """The directory's teams a pulse can go to, each with the names of the teams above it

    Sorted by where they sit (their path, then their name)."""
    rows = state().db.session.execute(select(Team.id, Team.name, Team.parent_id)).all()
    return {"teams": sorted((_unit(row, {r.id: r for r in rows}) for row in rows),
                            key=lambda t: ([*t["path"], t["name"]], t["id"]))}


def _unit(row: Any, teams: dict[str, Any]) -> dict[str, Any]:
    """A team and its path up the tree; a loop or a missing parent ends the path there."""
    path: list[str] = []
    seen = {row.id}
    parent = teams.get(row.parent_id) if row.parent_id else None
    while parent is not None and parent.id not in seen:
        path.insert(0, parent.name)
        seen.add(parent.id)
        parent = teams.get(parent.parent_id) if parent.parent_id else None
    return {"id": row.id, "name": row.name, "path": path}
