"""The demo's made-up organisation: its people, teams, campaign and events, and the rule that
keeps it out of anyone's real data.

Everything the demo creates lives in its own namespace (ids start with ``demo-``) under one
root team, ``demo``, which the demo creates first and only in an empty directory: that team is
the demo's record of having made the directory. The demo only ever adds missing rows, never
changes one; and on every page, before a token is minted, it checks that the database holds
nothing it did not make (``foreign``): it writes nothing and mints nothing over anyone's real data.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from engagement.demo import trust_history as trust_demo
from engagement.directory import service as directory
from engagement.directory.model import Person, Team
from engagement.errors import EngagementError
from engagement.ideas import service as campaigns
from engagement.ideas.model import Campaign
from engagement.ledger.model import ApiKey, LedgerEvent
from engagement.pulses.model import Pulse
from engagement.schemas.directory import DirectorySyncSchema
from engagement.webhooks.model import ChatPublication, WebhookSubscription

logger = logging.getLogger(__name__)

NAMESPACE = "demo-"
ROOT = "demo"
ROOT_NAME = "Demo (oppdiktet)"
INTRANET_TEAM = NAMESPACE + "intranett"
CAMPAIGN = NAMESPACE + "sharing"
# The name in ?user=..., and the made-up person it stands for.
USERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "kari": (NAMESPACE + "kari", "Kari Nordmann", ()), "ola": (NAMESPACE + "ola", "Ola Hansen", ()),
    "lena": (NAMESPACE + "lena", "Lena Berg", ("leader",)),
    "siri": (NAMESPACE + "siri", "Siri Dahl", ("communications",)),
    # the intranet's operator: the console's review queue, API keys and audit logs. Safe to hand out
    # here only: a demo token is for the demo's own audience, taken only where the demo is on, and the
    # demo mints none on a database holding anything it did not make.
    "tor": (NAMESPACE + "tor", "Tor Lund", ("admin",)),
}
ARTICLES = (
    {"id": "news-canteen", "owner": NAMESPACE + "ola", "unit": "Drift", "title": "Ny kantineordning fra januar",
     "text": "Etter alle innspillene dere ga i høst, endrer vi åpningstidene og legger til en salatbar."},
    {"id": "news-sharing", "owner": NAMESPACE + "kari", "unit": "Kommunikasjon",
     "title": "Slik deler du dokumenter med andre avdelinger",
     "text": "En kort guide til deling på tvers, med tips fra tre team som har fått det til."},
    {"id": "news-welcome", "owner": NAMESPACE + "lena", "unit": "HR", "title": "Velkommen til nye kolleger i HR",
     "text": "Tre nye kolleger startet denne uka. Ta gjerne en kaffe med dem!"},
)
Publish = Callable[[list[dict]], None]
LOADING = threading.Lock()  # two first visits at once must not both create the organisation


class NotADemoDirectory(EngagementError):
    """The database holds someone's real data: the demo writes nothing into it."""

    def __init__(self, kinds: int):
        super().__init__(
            f"The demo only runs on a database it created itself, and this one holds rows it did not make "
            f"({kinds} {'kind' if kinds == 1 else 'kinds'} of them; the server's log names them): nothing was "
            "written and no token handed out. Run the demo on its own, empty "
            "database: a fresh ENGAGEMENT_INSTANCE_PATH and no ENGAGEMENT_DATABASE_URL.",
            409, "Not a demo database")


def ns(local_id: str) -> str:
    return NAMESPACE + local_id


def intranet_directory() -> dict[str, Any]:
    """The demo intranet's four people in one team under the demo's root."""
    people = [{"id": pid, "name": name, "team": INTRANET_TEAM, "role": "leader" if "leader" in roles else "member"}
              for pid, name, roles in USERS.values()]
    return {"mode": "delta", "people": people,
            "teams": [{"id": ROOT, "name": ROOT_NAME, "parent": None},
                      {"id": INTRANET_TEAM, "name": "Intranettet", "parent": ROOT}]}


def trust_directory(first_month: str = "2026-01") -> dict[str, Any]:
    """The trust report's planted organisation, moved into the demo's namespace and under its root,
    its people members from the first month of its history on."""
    planted = trust_demo.directory(f"{first_month}-01")
    teams = [{"id": ns(t["id"]), "name": t["name"], "parent": ns(t["parent"]) if t["parent"] else ROOT}
             for t in planted["teams"]]
    managers = _managers(planted)
    people = [{**p, "id": ns(p["id"]), "team": ns(p["team"]), "manager": managers.get(p["id"])}
              for p in planted["people"]]
    return {"mode": "delta", "as_of": planted["as_of"], "people": people,
            "teams": [{"id": ROOT, "name": ROOT_NAME, "parent": None}, *teams]}


def _managers(planted: dict[str, Any]) -> dict[str, str]:
    """Who manages whom in the planted organisation (namespaced): a member, their team's first
    leader; a leader, the first leader of the nearest team above with one (the pulses' demo asks
    managers about the leaders below them)."""
    parents = {t["id"]: t["parent"] for t in planted["teams"]}
    leaders: dict[str, str] = {}
    for p in planted["people"]:
        if p["role"] == "leader":
            leaders.setdefault(p["team"], p["id"])
    out = {}
    for p in planted["people"]:
        team = p["team"] if p["role"] != "leader" else parents.get(p["team"])
        while team is not None and team not in leaders:
            team = parents.get(team)
        if team is not None and leaders[team] != p["id"]:
            out[p["id"]] = ns(leaders[team])
    return out


def trust_events(months: tuple[str, ...]) -> list[dict]:
    """The planted patterns' events, by the namespaced people."""
    return [{**e, "actor": ns(e["actor"]), "target": {**e["target"], "owner": ns(e["target"]["owner"])}}
            for e in trust_demo.events(months)]


def article_events(now: datetime) -> list[dict]:
    return [{"id": f"demo-article-{a['id']}", "type": "content.published", "actor": a["owner"],
             "target": {"kind": "article", "id": a["id"], "owner": a["owner"]}, "time": now.isoformat(),
             "data": {"content_kind": "article", "title": a["title"]}} for a in ARTICLES]


def birth(session: Session) -> datetime | None:
    """When the demo made its organisation: its campaign's creation, written right after its
    directory; None before the demo wrote anything."""
    return session.scalar(select(Campaign.created_at).where(Campaign.id == CAMPAIGN))


def foreign(session: Session, since: datetime | None = None) -> dict[str, list[str]]:
    """The kinds of rows the demo did not make, each with up to three examples (for the log only).

    The directory and the ledger must be the demo's own throughout: a person, team or actor
    outside its namespace, or a directory without the demo's root. API keys, webhook
    subscriptions, chat publications and campaigns are the demo's when made while it runs
    (``since``, when this process turned the demo on, naive UTC) or after its organisation: by
    its visitors, or by whoever runs the demo box. One made before both is someone's real
    instance's; the demo's own pulses carry its namespace (one may open before its campaign is
    written, and a restart must not take it for someone else's). Each kind costs one small query
    (a LIMIT 3), so every demo page can afford it."""
    made = min((t for t in (birth(session), since) if t is not None), default=None)
    found = {kind: examples for kind, query in _suspects(made) if (examples := _first(session, query))}
    if session.get(Team, ROOT) is None:
        rows = _first(session, select(Team.id)) + _first(session, select(Person.id))
        if rows:
            found["directory without the demo's root team"] = rows[:3]
    return found


def _suspects(made: datetime | None) -> list[tuple[str, Any]]:
    outside = [("teams", select(Team.id).where(Team.id != ROOT, ~Team.id.startswith(NAMESPACE))),
               ("people", select(Person.id).where(~Person.id.startswith(NAMESPACE))),
               ("events", select(LedgerEvent.actor).where(~LedgerEvent.actor.startswith(NAMESPACE), ~and_(
                   LedgerEvent.type == "pulse.answered", LedgerEvent.target_owner.startswith(NAMESPACE))))]
    before = [("API keys", select(ApiKey.name), ApiKey.created_at),
              ("webhook subscriptions", select(WebhookSubscription.url), WebhookSubscription.created_at),
              ("chat publications", select(ChatPublication.channel), ChatPublication.at),
              ("campaigns", select(Campaign.id), Campaign.created_at),
              ("pulses", select(Pulse.id).where(~Pulse.id.startswith(NAMESPACE)), Pulse.created_at)]
    return outside + [(kind, query if made is None else query.where(at < made)) for kind, query, at in before]


def _first(session: Session, query: Any) -> list[str]:
    return [str(row) for row in session.scalars(query.limit(3))]


def ensure_intranet(session: Session, publish: Publish, now: datetime, since: datetime | None = None) -> None:
    """The intranet's people, Lena's campaign and the articles, the first time a demo page is shown;
    on every page, first, the check that the database still holds only what the demo made (a
    database that gained real people or keys since is refused from then on)."""
    with LOADING:
        _refuse_foreign(session, since)
        missing = _missing_rows(session, intranet_directory())
        if not missing and session.get(Campaign, CAMPAIGN) is not None:
            return
        _add(session, missing, now)
        if session.get(Campaign, CAMPAIGN) is None:
            campaigns.create(session, {"id": CAMPAIGN, "question": "Hvordan kan vi dele mer på tvers av team?",
                                       "description": "Alle idéer er velkomne – bygg gjerne videre på andres."},
                             USERS["lena"][0])
        publish(article_events(now))


def ensure_trust(session: Session, publish: Publish, today: date, now: datetime,
                 since: datetime | None = None) -> str:
    """The planted organisation over the year before ``today``'s month, loaded the first time;
    answers the month with the patterns (the last)."""
    months = trust_demo.last_months(today)
    with LOADING:
        missing = _missing_rows(session, trust_directory(months[0]))
        if missing:
            _refuse_foreign(session, since)
            _add(session, missing, now)
            publish(trust_events(months))
    return months[-1]


def _refuse_foreign(session: Session, since: datetime | None = None) -> None:
    """Refuse, telling the visitor only which kinds were found: the ids are real people's and
    keys' names, so they go to the server's log, for its operator, and nowhere else."""
    found = foreign(session, since)
    if found:
        session.rollback()
        logger.warning("demo refused: the database holds rows it did not make: %s",
                       "; ".join(f"{kind}: {', '.join(map(repr, ids))}" for kind, ids in found.items()))
        raise NotADemoDirectory(len(found))


def _missing_rows(session: Session, payload: dict[str, Any]) -> dict[str, Any] | None:
    """The payload cut to the teams and people not in the directory yet; None when all are."""
    have_teams = set(session.scalars(select(Team.id).where(Team.id.in_([t["id"] for t in payload["teams"]]))))
    have_people = set(session.scalars(select(Person.id).where(Person.id.in_([p["id"] for p in payload["people"]]))))
    teams = [t for t in payload["teams"] if t["id"] not in have_teams]
    people = [p for p in payload["people"] if p["id"] not in have_people]
    return {**payload, "teams": teams, "people": people} if teams or people else None


def _add(session: Session, missing: dict[str, Any] | None, now: datetime) -> None:
    """Only new rows: the sync's updates never run, since every row it gets is missing."""
    if missing:
        directory.sync(session, DirectorySyncSchema().load(missing), now)
