"""Publishing to a Teams or Slack channel: a finalised month's award announcement, or a trust summary.

What is posted is what the pages it comes from would show, made by the same functions: the
announcement's sections (engagement/awards/announcement.py) from the frozen result, less anyone who
has opted out of public lists since; the trust report (engagement/trust/service.py ``report``), with
small teams folded exactly as there, of which only groups shown on their own appear, and never a
folded team's name or numbers. A trust summary is audited like a view of the report.
Channel addresses are secrets of the operator's: they are never answered, logged or put in an error,
and one with a space or control character is refused at start-up (it could not be posted to).
An award month is published to a channel once: its row is written first, under a unique index,
so of two requests at the same time one posts and the other is answered 409; a failed post
deletes the row again.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_interval
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engagement.awards import announcement
from engagement.awards.model import AwardSnapshot
from engagement.awards.scoring import HELPED_TEAMS_THRESHOLD
from engagement.awards.service import Public
from engagement.errors import EngagementError, FieldError, ValidationFailed
from engagement.lottery import draws as lottery
from engagement.trust import service as trust
from engagement.trust.model import TrustAudit
from engagement.webhooks import addresses, texts
from engagement.webhooks.chat import BUILDERS, Post
from engagement.webhooks.model import ChatPublication
from engagement.webhooks.post import post


@dataclass(frozen=True)
class Channel:
    name: str
    kind: str  # teams or slack
    url: str


def channels(config: dict[str, Any]) -> dict[str, Channel]:
    """The configured channels; a bad entry is named in the error, its address never."""
    out = {}
    for name, spec in config.items():
        kind, url = (spec or {}).get("kind"), str((spec or {}).get("url", ""))
        if kind not in BUILDERS or not url.startswith(("https://", "http://")) or not addresses.printable(url):
            raise EngagementError(f"ENGAGEMENT_CHAT_CHANNELS[{name!r}] needs kind teams or slack and an http(s) "
                                  "url of printable ASCII only; ask the operator.", 500, "Channel misconfigured")
        out[name] = Channel(name, kind, url)
    return out


def channel(configured: dict[str, Channel], name: str) -> Channel:
    if name not in configured:
        known = ", ".join(sorted(configured)) or "none configured"
        raise ValidationFailed([FieldError("channel", f"Not a configured channel ({known}).")])
    return configured[name]


def award_post(session: Session, month: str, lang: str, ranking_mode: str) -> Post:
    """The announcement of a finalised month; 409 before it is final (its winners may still change)."""
    snapshot = session.get(AwardSnapshot, month)
    if snapshot is None:
        raise EngagementError(f"{month} is not finalised; finalise it before announcing its winners.", 409,
                              "Not final")
    public = Public(session, ranking_mode)
    result = {**public_only(snapshot.result, public), "lottery": lottery.announced(session, month, public)}
    month_name, words = announcement.month_name(month, lang), announcement.TEXTS[lang]
    return Post(words["title"].format(month=month_name), words["intro"].format(month=month_name),
                announcement.sections(result, lang, HELPED_TEAMS_THRESHOLD))


def public_only(result: dict, public: Public) -> dict:
    """The frozen result less anyone who is not public now (an opt-out after finalising counts)."""
    return {**result, "categories": {c: [p for p in podium if p["person"] in public]
                                     for c, podium in result["categories"].items()},
            "threshold": [p for p in result["threshold"] if p["person"] in public]}


def trust_post(session: Session, period: trust.Period, today: date, zone: ZoneInfo, min_size: int,
               limits: dict, lang: str) -> Post:
    """Each group shown on its own that raises a flag, with the flag's reason and suggested action."""
    body = trust.report(session, period, today, zone, min_size, limits, lang)
    shown = [row for row in body["teams"] if not row["suppressed"]]
    flagged = [row for row in shown if row["flags"]]
    words = texts.TEXTS[lang]
    sections = [(row["name"], [f"{f['title']}: {f['reason']} {words['action']}: {f['action']}" for f in row["flags"]])
                for row in flagged]
    intro = texts.shown(lang, len(shown), len(flagged)) + ("" if flagged else " " + words["none"])
    dates = format_interval(period.start, min(period.end, today), "yMMMd", locale=lang)  # not the code "30d"
    return Post(words["title"].format(period=dates), intro, sections,
                texts.folded(lang, min_size) + " " + words["open"])


def send(session: Session, target: Channel, what: str, lang: str, by: str, content: Post, timeout: float,
         once: bool = False) -> int:
    """Post to the channel and record it; 502 when the channel does not accept it. ``once``: the
    record is reserved first, and a second publication of ``what`` to the channel answers 409."""
    record = ChatPublication(what=what, channel=target.name, lang=lang, by=by)
    if once:
        _reserve(session, record)
    body = json.dumps(BUILDERS[target.kind](content), ensure_ascii=False).encode()
    answer = post(target.url, body, {}, timeout)
    if not answer.ok:
        if once:
            session.delete(record)
            session.commit()
        raise EngagementError(f"The channel {target.name!r} did not accept the post ({answer.error}).", 502,
                              "Channel refused")
    if not once:
        session.add(record)
    session.commit()
    return answer.status or 0


def _reserve(session: Session, record: ChatPublication) -> None:
    session.add(record)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise already_published(record.what, record.channel) from exc


def already_published(what: str, channel_name: str) -> EngagementError:
    return EngagementError(f"{what.split(':', 1)[1]} is already announced in {channel_name!r}.", 409,
                           "Already published")


def published_before(session: Session, what: str, channel_name: str) -> bool:
    found = select(ChatPublication.id).where(ChatPublication.what == what, ChatPublication.channel == channel_name)
    return session.scalar(found.limit(1)) is not None


def audit_trust(session: Session, by: str, channel_name: str, period: str) -> None:
    """A trust summary posted is a view of the report: it goes in the report's audit log."""
    session.add(TrustAudit(who=by, unit="*", view=f"chat:{channel_name}"[:40], period=period))
