"""Statements over pulses, per shown group: each group's means where it was the same group.

A group is compared across pulses only where it was the same shown group in each: the same
teams counted in it, as the pulse's folding decided at its close. Where a team was folded into it
in one pulse and not in another, that pulse's point is left empty (``same_group`` false), so no
two points of a trend differ by a small team's answers alone.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.pulses.model import Pulse
from engagement.pulses.report import Results, iso, mean, statement_keys, statement_text, summary

MAX_PULSES = 24  # the latest closed pulses a trend spans


def closed_pulses(session: Session, now: datetime, limit: int = MAX_PULSES) -> list[Pulse]:
    """The latest closed pulses, oldest first."""
    latest = session.scalars(select(Pulse).where(Pulse.closes_at <= now)
                             .order_by(Pulse.closes_at.desc(), Pulse.id).limit(limit))
    return list(reversed(list(latest)))


def trends(session: Session, now: datetime, min_size: int, unit: str | None, lang: str) -> dict:
    """Per shown group inside ``unit`` (or everywhere), its means and shares agreeing per pulse."""
    pulses = closed_pulses(session, now)
    results = [Results.load(session, p, min_size) for p in pulses]
    makeup: dict[str, frozenset[str]] = {}  # each group's teams in the latest pulse it was shown in
    names: dict[str, str] = {}
    for r in results:
        inside = r.org.shown_inside(unit) if unit is not None else set(r.org.groups)
        for group in r.groups:
            if group in inside:
                makeup[group], names[group] = frozenset(r.org.members_of(group)), r.org.names.get(group) or group
    first: dict[str, Pulse] = {}  # each statement's first pulse, whose text it is shown with
    for p in pulses:
        for k in statement_keys(p):
            first.setdefault(k, p)
    keys = list(first)
    groups = []
    for group in sorted(makeup, key=lambda g: names[g]):
        points = []
        for pulse, r in zip(pulses, results, strict=True):
            shown = group in r.groups
            same = shown and frozenset(r.org.members_of(group)) == makeup[group]
            counts = r.groups.get(group, {}) if same else {}
            points.append({"pulse": pulse.id, "shown": shown, "same_group": same,
                           "means": {k: mean(c, min_size) for k, c in counts.items()} if same else None,
                           "agreeing": {k: summary(c, min_size)["agreeing"] for k, c in counts.items()}
                           if same else None})
        latest = next(r for r in reversed(results) if group in r.groups)
        teams = sorted(makeup[group] - {group}, key=lambda t: latest.org.names.get(t) or t)
        groups.append({"id": group, "name": names[group],
                       "includes": [{"id": t, "name": latest.org.names.get(t) or t} for t in teams],
                       "points": points})
    return {"unit": unit, "min_group_size": min_size,
            "pulses": [{"id": p.id, "title": p.title, "closes_at": iso(p.closes_at)} for p in pulses],
            "statements": [{"key": k, "text": statement_text(first[k], k, lang, "team")} for k in keys],
            "groups": groups}
