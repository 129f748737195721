"""Weekly early warnings: a note to communications staff naming the teams that newly raised a
flag in the trust report, or whose pulse dropped, each with its reason in words.

Only groups the trust report shows on their own are named, with the report's own words (a flag's
reason has numbers, never a person); a pulse drop compares a shown group's means in its last two
closed pulses (engagement/trust/pulse_drops.py). "New" is against the previous note: a flag a team
already had then is not news. The note goes once a week (ENGAGEMENT_WARNING_WEEKDAY and _HOUR in
ENGAGEMENT_TIMEZONE) from the mailer's loop, or by hand (``engagement warnings``): its week's row
(``EarlyWarningNote``) and its e-mails enter the database in one transaction, under the week as
the key, so with several mailers one writes them and the others find the week taken; the chat
post follows, from that one mailer only. E-mail goes through the digests' outbox and SMTP
settings, in each recipient's language; the channel post is in ENGAGEMENT_WARNING_LANG.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engagement.directory.model import Person
from engagement.errors import EngagementError
from engagement.notifications.digests import MailSettings
from engagement.notifications.model import MailOutbox
from engagement.translations import LANGS
from engagement.trust import pulse_drops
from engagement.trust import service as trust
from engagement.trust.model import EarlyWarningNote, TrustAudit
from engagement.trust.texts import WARNING
from engagement.webhooks import publishing
from engagement.webhooks.chat import Post

logger = logging.getLogger(__name__)
PERIOD = "30d"  # the trust report's period the flags are read from (against the 90 days before)
WHO = "tillit:warnings"  # the chat publication's author: the service itself


@dataclass(frozen=True)
class WarningSettings:
    recipients: tuple[str, ...]
    channel: str | None
    lang: str
    weekday: int  # ISO: 1 Monday .. 7 Sunday
    hour: int
    drop: float
    zone: ZoneInfo
    min_size: int
    limits: dict
    channels: dict
    timeout: float

    @classmethod
    def from_config(cls, config: Any) -> WarningSettings:
        lang = config["ENGAGEMENT_WARNING_LANG"]
        if lang not in LANGS:
            raise ValueError(f"ENGAGEMENT_WARNING_LANG must be one of {', '.join(LANGS)}, not {lang!r}")
        if not 1 <= config["ENGAGEMENT_WARNING_WEEKDAY"] <= 7 or not 0 <= config["ENGAGEMENT_WARNING_HOUR"] <= 23:
            raise ValueError("ENGAGEMENT_WARNING_WEEKDAY must be 1 (Monday) to 7, ENGAGEMENT_WARNING_HOUR 0 to 23")
        return cls(tuple(config["ENGAGEMENT_WARNING_RECIPIENTS"]), config["ENGAGEMENT_WARNING_CHANNEL"] or None, lang,
                   config["ENGAGEMENT_WARNING_WEEKDAY"], config["ENGAGEMENT_WARNING_HOUR"],
                   config["ENGAGEMENT_WARNING_DROP"], ZoneInfo(config["ENGAGEMENT_TIMEZONE"]),
                   config["ENGAGEMENT_MIN_GROUP_SIZE"], trust.thresholds(config["ENGAGEMENT_TRUST_THRESHOLDS"]),
                   config["ENGAGEMENT_CHAT_CHANNELS"], config["ENGAGEMENT_WEBHOOK_TIMEOUT"])

    @property
    def off(self) -> bool:
        return not self.recipients and not self.channel


def week_of(local: datetime) -> str:
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def is_due(settings: WarningSettings, local: datetime) -> bool:
    """From the configured hour of the configured weekday to the end of the week (a mailer that
    was down on the day still sends the week's note)."""
    return (local.isoweekday(), local.hour) >= (settings.weekday, settings.hour)


@dataclass(frozen=True)
class Recipient:
    key: str  # the outbox's person: a directory id, or the address itself
    address: str
    lang: str


def recipients(session: Session, settings: WarningSettings) -> list[Recipient]:
    """The configured people (active, with an address, in their locale) and bare addresses."""
    ids = [r for r in settings.recipients if "@" not in r]
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}
    out = []
    for entry in settings.recipients:
        if "@" in entry:
            out.append(Recipient(entry[:128], entry, settings.lang))
        elif (person := people.get(entry)) is not None and person.active and person.email:
            out.append(Recipient(person.id, person.email, person.locale if person.locale in LANGS else "en"))
        else:
            logger.warning("warnings: recipient %r is not an active person with an e-mail address", entry)
    return out


def current_flags(session: Session, settings: WarningSettings, today: date, lang: str) -> list[dict]:
    """The trust report's shown groups that raise flags now, in ``lang``."""
    body = trust.report(session, trust.parse_period(PERIOD, today), today, settings.zone, settings.min_size,
                        settings.limits, lang)
    return [row for row in body["teams"] if not row["suppressed"] and row["flags"]]


def sections(session: Session, settings: WarningSettings, previous: dict[str, list[str]], since: datetime,
             now: datetime, lang: str) -> tuple[list[tuple[str, list[str]]], dict[str, list[str]]]:
    """Each team worth a warning (name, reasons) and every shown group's flags now."""
    today = now.astimezone(settings.zone).date()
    flagged = current_flags(session, settings, today, lang)
    raised = {row["id"]: sorted(f["flag"] for f in row["flags"]) for row in flagged}
    lines: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for row in flagged:
        new = [f for f in row["flags"] if f["flag"] not in previous.get(row["id"], ())]
        if new:
            names[row["id"]] = row["name"]
            lines[row["id"]] = [f"{f['title']}: {f['reason']}" for f in new]
    for drop in pulse_drops.drops(session, settings.min_size, settings.drop, since, now, lang):
        names.setdefault(drop.team, drop.name)
        lines.setdefault(drop.team, []).append(drop.reason)
    ordered = sorted(lines, key=lambda team: (names[team].casefold(), team))
    return [(names[team], lines[team]) for team in ordered], raised


def run(session: Session, settings: WarningSettings, mail: MailSettings | None, now: datetime,
        by_hand: bool = False) -> dict:
    """Send this week's note if it is due and not sent yet; answer what happened."""
    if settings.off or (mail is None and not settings.channel):  # no way to send it: the week stays free
        return {"warnings": "off"}
    local = now.astimezone(settings.zone)
    week = week_of(local)
    if not by_hand and not is_due(settings, local):
        return {"warnings": "not due", "week": week}
    if session.get(EarlyWarningNote, week) is not None:
        return {"warnings": "sent before", "week": week}
    previous, since = _previous(session, week, now)
    people = recipients(session, settings) if mail is not None else []
    langs = sorted({r.lang for r in people} | ({settings.lang} if settings.channel else set())) or [settings.lang]
    notes: dict[str, list[tuple[str, list[str]]]] = {}
    raised: dict[str, list[str]] = {}
    for lang in langs:
        notes[lang], raised = sections(session, settings, previous, since, now, lang)
    teams = len(notes[langs[0]])
    note = EarlyWarningNote(week=week, created_at=now.astimezone(UTC).replace(tzinfo=None), flags=raised,
                            warnings=teams, mailed=0)
    session.add(note)
    if teams and mail is not None and people:
        note.mailed = _queue_mails(session, mail, people, week, notes)
    try:
        session.commit()
    except IntegrityError:  # another mailer took the week between the look and the write
        session.rollback()
        return {"warnings": "sent before", "week": week}
    if teams and settings.channel:
        note.posted = _post(session, settings, week, notes[settings.lang])
        session.commit()
    return {"warnings": "sent", "week": week, "teams": teams, "mailed": note.mailed, "posted": note.posted}


def _previous(session: Session, week: str, now: datetime) -> tuple[dict[str, list[str]], datetime]:
    """The flags of the last note before ``week``, and since when pulse drops are news (that
    note's moment; a week back for the first note)."""
    last = session.scalars(select(EarlyWarningNote).where(EarlyWarningNote.week < week)
                           .order_by(EarlyWarningNote.week.desc()).limit(1)).first()
    return (last.flags, last.created_at.replace(tzinfo=UTC)) if last else ({}, now - timedelta(days=7))


def _queue_mails(session: Session, mail: MailSettings, people: list[Recipient], week: str,
                 notes: dict[str, list[tuple[str, list[str]]]]) -> int:
    """Each recipient's mail into the outbox, in their language, and a line in the trust report's
    audit log (what the report shows went out, as the service's own view); answer how many."""
    for person in people:
        session.add(_mail(mail, person, week, notes[person.lang]))
    session.add(TrustAudit(who=WHO, unit="*", view=f"warnings:mail:{len(people)}"[:40], period=PERIOD))
    return len(people)


def _post(session: Session, settings: WarningSettings, week: str, items: list[tuple[str, list[str]]]) -> str:
    """Post the note to the channel once; a refusal is recorded and logged, never retried (the
    e-mails went, and next week's note carries on)."""
    try:
        target = publishing.channel(publishing.channels(settings.channels), settings.channel or "")
        publishing.audit_trust(session, WHO, target.name, PERIOD)
        publishing.send(session, target, f"warnings:{week}", settings.lang, WHO,
                        note_post(settings.lang, week, items), settings.timeout)
    except EngagementError as exc:
        session.rollback()
        logger.warning("warnings: the channel did not take week %s's note: %s", week, exc.detail)
        return "failed"
    return "posted"


def note_post(lang: str, week: str, items: list[tuple[str, list[str]]]) -> Post:
    """The note as a chat post: a section per team, its name Markdown-escaped by the builders."""
    words = WARNING[lang]
    return Post(words["title"].format(week=week), words["intro"], items, words["note"])


def _mail(mail: MailSettings, person: Recipient, week: str, items: list[tuple[str, list[str]]]) -> MailOutbox:
    words = WARNING[person.lang]
    title = words["title"].format(week=week)
    text_lines = [title, "", words["intro"], ""]
    for name, reasons in items:
        text_lines += [name, *(f"- {reason}" for reason in reasons), ""]
    text_lines.append(words["note"])
    if mail.intranet_url:
        text_lines += ["", f"{words['open']}: {mail.intranet_url}"]
    link = (f'<p><a href="{escape(mail.intranet_url)}">{escape(words["open"])}</a></p>' if mail.intranet_url else "")
    html = (f"<h1>{escape(title)}</h1><p>{escape(words['intro'])}</p>"
            + "".join(f"<h2>{escape(name)}</h2><ul>" + "".join(f"<li>{escape(r)}</li>" for r in reasons) + "</ul>"
                      for name, reasons in items)
            + f'<p style="font-size:small">{escape(words["note"])}</p>' + link)
    domain = mail.sender.rsplit("@", 1)[-1].strip(">") or "tillit"
    return MailOutbox(person=person.key, address=person.address, message_id=f"<{uuid.uuid4().hex}@{domain}>",
                      status="pending", subject=words["subject"].format(week=week), text="\n".join(text_lines) + "\n",
                      html=html, unsubscribe_url="", kind="warning")
