"""The leader's report for one team and pulse: what the team says, beside what it does.

Per statement the team's distribution (from its shown group, as the pulse folds), the leader's own
answer (``self`` wording) and the leader's leader's (``manager`` wording) side by side; the team's
behaviour signals and flags from the trust report over the pulse's window, folded by the trust
report's own rules; and for each weak statement (engagement/pulses/report.py ``is_weak``) reflection
questions and suggested actions (engagement/pulses/guidance.py).

Who may read it: the team's leaders, their managers, and communications staff.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.auth import TRUST_ROLE, Principal
from engagement.directory.model import ManagerLink, Person, Team
from engagement.errors import EngagementError, FieldError
from engagement.pulses import guidance
from engagement.pulses.model import Pulse
from engagement.pulses.report import Results, closed_pulse, comments, is_weak, iso, statement_keys, statement_text
from engagement.trust import service as trust

BASELINE_DAYS = 90  # the trust report's baseline before a rolling period


def is_staff(who: Principal) -> bool:
    """Communications staff: the role on a user token, or an API key with ``reports:read``."""
    return TRUST_ROLE in who.roles if who.is_user else "reports:read" in who.scopes


def leaders_of(session: Session, team: str) -> list[str]:
    return list(session.scalars(select(Person.id).where(Person.team_id == team, Person.role == "leader",
                                                        Person.active.is_(True))))


def may_read(session: Session, who: Principal, team: str) -> bool:
    """Communications staff, a leader of ``team``, or the manager (now) of one of its leaders."""
    if is_staff(who):
        return True
    if not who.is_user:
        return False
    leaders = leaders_of(session, team)
    if who.name in leaders:
        return True
    m = ManagerLink
    return session.scalar(select(m.id).where(m.person_id.in_(leaders), m.manager_id == who.name,
                                             m.valid_to.is_(None)).limit(1)) is not None


def readable_teams(session: Session, who: Principal) -> list[str]:
    """The teams whose reports a person may read as their leader or their leader's manager."""
    own = session.scalars(select(Person.team_id).where(Person.id == who.name, Person.role == "leader"))
    managed = session.scalars(select(Person.team_id).join(ManagerLink, ManagerLink.person_id == Person.id).where(
        ManagerLink.manager_id == who.name, ManagerLink.valid_to.is_(None), Person.role == "leader"))
    return sorted({t for t in [*own, *managed] if t is not None})


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The day in ``zone`` of a naive UTC moment."""
    return moment.replace(tzinfo=UTC).astimezone(zone).date()


def window(pulse: Pulse, zone: ZoneInfo) -> trust.Period:
    """The pulse's days (in the organisation's zone) as a trust-report period, against the 90 days before."""
    start = local_day(pulse.opens_at, zone)
    end = max(start, local_day(pulse.closes_at - timedelta(microseconds=1), zone))
    return trust.Period(f"{start.isoformat()}/{end.isoformat()}", start, end,
                        start - timedelta(days=BASELINE_DAYS), start - timedelta(days=1))


def behaviour(session: Session, pulse: Pulse, team: str, today: date, zone: ZoneInfo, min_size: int,
              limits: dict, lang: str) -> dict:
    """The team's row of the trust report over the pulse's window: its signals and flags, or the
    group it is folded into there (and that group's signals), or nothing when even that is too small."""
    period = window(pulse, zone)
    rows = {r["id"]: r for r in trust.report(session, period, today, zone, min_size, limits, lang)["teams"]}
    row = rows.get(team)
    out: dict = {"period": period.as_dict(), "folded_into": None, "signals": None, "flags": []}
    if row is None:
        return out
    if row["suppressed"]:
        host = rows.get(row["folded_into"]) if row["folded_into"] else None
        out["folded_into"] = {"id": host["id"], "name": host["name"]} if host else None
        row = host
    if row is not None and not row["suppressed"]:
        out.update(signals=row["signals"], flags=row["flags"])
    return out


def report(session: Session, pulse_id: str, team: str, now: datetime, zone: ZoneInfo, min_size: int,
           limits: dict, lang: str) -> dict:
    """The leader's report (``now`` naive UTC)."""
    pulse = closed_pulse(session, pulse_id, now)
    if session.get(Team, team) is None:
        raise EngagementError(f"No team {team!r} in the directory.", 404, "Not found")
    results = Results.load(session, pulse, min_size)
    if team not in results.inside(pulse.units):  # as the heat map's rows: the units' teams and their groups
        raise EngagementError(f"Team {team!r} was not among the units asked in pulse {pulse.id!r}.", 404,
                              "Not found", [FieldError("team", "Not in the pulse's units.")])
    group = results.org.groups.get(team)
    shown = results.statements(results.groups.get(group, {})) if group is not None else None
    mine, manager = results.wording(team, "self"), results.wording(team, "manager")
    statements = []
    for key in statement_keys(pulse):
        entry = {"key": key, "text": statement_text(pulse, key, lang, "team"),
                 "self_text": statement_text(pulse, key, lang, "self"),
                 "manager_text": statement_text(pulse, key, lang, "manager"),
                 "team": shown[key] if shown else None, "self": mine[key] if mine else None,
                 "manager": manager[key] if manager else None, "weak": bool(shown and is_weak(shown[key]))}
        if entry["weak"]:
            entry["guidance"] = guidance.for_statement(key, lang)
        statements.append(entry)
    return {"pulse": {"id": pulse.id, "title": pulse.title, "opens_at": iso(pulse.opens_at),
                      "closes_at": iso(pulse.closes_at)},
            "team": {"id": team, "name": results.org.names.get(team) or team},
            "min_group_size": min_size, "shown": group is not None,
            "counted_in": {"id": group, "name": results.org.names[group]} if group not in (None, team) else None,
            "answers": max((s["answers"] for s in shown.values()), default=0) if shown else None,
            "statements": statements,
            # As written, in a random order: the shown group's (never a folded team's on its own),
            # and beside them the leader's own and their manager's, which are not anonymous.
            "comments": comments(session, pulse.id, group, "team") if group is not None else [],
            "self_comments": comments(session, pulse.id, team, "self"),
            "manager_comments": comments(session, pulse.id, team, "manager"),
            "behaviour": behaviour(session, pulse, team, local_day(now, zone), zone, min_size, limits, lang)}
