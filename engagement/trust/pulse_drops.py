"""Pulse drops for the weekly early warnings: a shown group whose mean on a statement fell by at
least ENGAGEMENT_WARNING_DROP between the last two closed pulses it took part in.

Only the pulses' shown groups count (engagement/pulses/report.py ``shown_means``: means of 1-5,
"don't know" left out, small teams folded by answers at each close), and a group is compared only
when it was the same shown group (the same teams) in both pulses, as the pulse trends compare; a
drop is told once, in the week after the later pulse closed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.pulses import library, report
from engagement.pulses.model import Pulse
from engagement.trust.texts import pulse_drop


@dataclass(frozen=True)
class Taken:
    """A group's part in one closed pulse: its teams and its mean per statement."""

    pulse: Pulse
    teams: frozenset[str]
    means: dict[str, float]


@dataclass(frozen=True)
class Drop:
    team: str
    name: str
    reason: str


def history(session: Session, min_size: int, until: datetime) -> tuple[dict[str, list[Taken]], dict[str, str]]:
    """Per shown group, its part in every pulse closed by ``until``, oldest first; and the groups' names."""
    closed = session.scalars(select(Pulse).where(Pulse.closes_at <= until.astimezone(UTC).replace(tzinfo=None))
                             .order_by(Pulse.closes_at, Pulse.id)).all()
    out: dict[str, list[Taken]] = {}
    names: dict[str, str] = {}
    for pulse in closed:
        org = report.org_at_close(session, pulse, min_size)
        for group, means in report.shown_means(session, pulse.id, min_size).items():
            out.setdefault(group, []).append(Taken(pulse, frozenset(org.members_of(group)), means))
            names[group] = org.names.get(group, group)
    return out, names


def fallen(before: Taken, after: Taken, threshold: float) -> list[tuple[str, float, float]]:
    """The statements both pulses asked whose mean fell by ``threshold`` or more, in the later
    pulse's order; nothing when the group was not the same teams both times."""
    if before.teams != after.teams:
        return []
    keys = [library.key_of(s) for s in after.pulse.statements]
    return [(key, before.means[key], after.means[key]) for key in keys
            if key in before.means and key in after.means
            and before.means[key] - after.means[key] >= threshold - 1e-9]


def statement_words(pulse: Pulse, key: str, lang: str) -> str:
    """A statement as the team was asked it (the ``team`` wording) in ``lang``, without its full
    stop, as it is quoted inside a sentence."""
    statement = next((s for s in pulse.statements if library.key_of(s) == key), None)
    return library.text(statement, lang, "team").rstrip(".") if statement is not None else key


def drops(session: Session, min_size: int, threshold: float, since: datetime, until: datetime,
          lang: str) -> list[Drop]:
    """Each group's drops between its last two pulses, when the later one closed after ``since``."""
    taken, names = history(session, min_size, until)
    start = since.astimezone(UTC).replace(tzinfo=None)
    out = []
    for group, parts in sorted(taken.items()):
        if len(parts) < 2 or parts[-1].pulse.closes_at <= start:
            continue
        before, after = parts[-2], parts[-1]
        for key, was, now in fallen(before, after, threshold):
            out.append(Drop(group, names[group], pulse_drop(lang, statement_words(after.pulse, key, lang), was, now)))
    return out
