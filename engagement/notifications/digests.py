"""E-mail digests: immediate, daily or weekly, never in quiet hours, never the same twice.

Scheduling claims a person's new, unread entries into an outbox row and moves the groups'
``mailed_until`` in the same transaction, so they are never claimed again. Sending marks a
row ``sending`` (committed) before handing it to SMTP and ``sent`` after. A mailer that
crashes in between leaves ``sending``; the next mailer turns that into ``uncertain`` and
never sends it again: a lost "Bra!" mail is better than a second one, and the in-app feed
still has it. A refusal from the server (an address it will not take) is recorded as failed.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from markupsafe import escape
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from engagement.db import changed_rows, utcnow
from engagement.directory.model import Person
from engagement.notifications.model import MailOutbox, Notification, NotificationMark, NotifyPreference
from engagement.notifications.service import MARK_OF_GROUP, Lines, is_unread, preferences
from engagement.notifications.texts import DIGEST, LANGS, digest_subject
from engagement.notifications.unsubscribe import make_token

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    tls: str
    user: str | None
    password: str | None
    sender: str
    public_url: str
    intranet_url: str | None
    digest_hour: int
    zone: ZoneInfo
    secret: str
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config, secret: str) -> MailSettings | None:
        if not config["ENGAGEMENT_SMTP_HOST"]:
            return None
        if config["ENGAGEMENT_SMTP_TLS"] not in ("starttls", "ssl", "none"):
            raise ValueError("ENGAGEMENT_SMTP_TLS must be starttls, ssl or none, "
                             f"not {config['ENGAGEMENT_SMTP_TLS']!r}")
        return cls(config["ENGAGEMENT_SMTP_HOST"], config["ENGAGEMENT_SMTP_PORT"], config["ENGAGEMENT_SMTP_TLS"],
                   config["ENGAGEMENT_SMTP_USER"], config["ENGAGEMENT_SMTP_PASSWORD"], config["ENGAGEMENT_MAIL_FROM"],
                   config["ENGAGEMENT_PUBLIC_URL"].rstrip("/") + config["ENGAGEMENT_URL_PREFIX"],
                   config["ENGAGEMENT_INTRANET_URL"], config["ENGAGEMENT_DIGEST_HOUR"],
                   ZoneInfo(config["ENGAGEMENT_TIMEZONE"]), secret, config["ENGAGEMENT_SMTP_TIMEOUT"])


def _clock(text: str) -> time:
    return time.fromisoformat(text)


def in_quiet_hours(prefs: NotifyPreference, local: datetime) -> bool:
    if not (prefs.quiet_start and prefs.quiet_end):  # quiet hours need both ends
        return False
    start, end, now = _clock(prefs.quiet_start), _clock(prefs.quiet_end), local.time()
    return start <= now < end if start <= end else now >= start or now < end


def is_due(prefs: NotifyPreference, local: datetime, last: datetime | None, digest_hour: int) -> bool:
    """Whether a digest may go now: by the person's rhythm, and never in their quiet hours."""
    if prefs.digest == "off" or in_quiet_hours(prefs, local):
        return False
    if prefs.digest == "immediate":
        return True
    if local.hour < digest_hour:
        return False
    if prefs.digest == "daily":
        return last is None or last.date() < local.date()
    return last is None or last.isocalendar()[:2] != local.isocalendar()[:2]


def _unmailed(person: str | None = None, *columns):
    query = select(*(columns or (Notification, NotificationMark))).outerjoin(NotificationMark, MARK_OF_GROUP).where(
        or_(NotificationMark.mailed_until.is_(None), NotificationMark.mailed_until < Notification.last_at))
    return query.where(Notification.person == person) if person else query


def _happened(now: datetime):
    """Entries of moments that have come: a pulse defined to open next week is mailed when it opens."""
    return Notification.last_at <= now.astimezone(UTC).replace(tzinfo=None)


def schedule(session: Session, mail: MailSettings, now: datetime) -> int:
    """Claim a digest into the outbox for everyone who is due; answer how many were claimed."""
    candidates = sorted(session.scalars(_unmailed(None, Notification.person).where(_happened(now)).distinct()))
    claimed = 0
    for person in candidates:
        claimed += _claim(session, mail, person, now)
    return claimed


def _claim(session: Session, mail: MailSettings, person: str, now: datetime) -> int:
    who, prefs = session.get(Person, person), preferences(session, person)
    last = session.scalar(select(func.max(MailOutbox.created_at)).where(MailOutbox.person == person,
                                                                        MailOutbox.kind == "digest"))
    local = now.astimezone(mail.zone)
    last_local = last.replace(tzinfo=UTC).astimezone(mail.zone) if last else None
    if who is None or not who.active or not who.email or not is_due(prefs, local, last_local, mail.digest_hour):
        return 0
    lines = []
    for group, mark in session.execute(_unmailed(person).where(_happened(now))
                                       .order_by(Notification.last_at.desc())).all():
        if not is_unread(group, mark.seen_until if mark is not None else None, prefs.read_before):
            continue
        fresh = [a for a in group.actors if mark is None or mark.mailed_until is None
                 or datetime.fromisoformat(a["at"]) > mark.mailed_until]
        if fresh:
            lines.append((group, fresh))
        _mailed_until(session, mark, group)
    if lines:
        session.add(_compose(session, mail, who, lines, prefs.unsubscribe_generation or 0))
    session.commit()
    return 1 if lines else 0


def _mailed_until(session: Session, mark: NotificationMark | None, group: Notification) -> None:
    if mark is None:
        session.add(NotificationMark(person=group.person, kind=group.kind, ref=group.ref, day=group.day,
                                     mailed_until=group.last_at))
    else:
        mark.mailed_until = group.last_at


def _compose(session: Session, mail: MailSettings, who: Person, lines: list, generation: int) -> MailOutbox:
    lang = who.locale if who.locale in LANGS else "en"
    t = DIGEST[lang]
    say = Lines(session, lines, lang)
    sentences = [say.sentence(g, fresh) for g, fresh in lines]
    url = f"{mail.public_url}/v1/notifications/unsubscribe?token={make_token(mail.secret, who.id, generation)}"
    first = who.name.split()[0] if who.name else who.id
    text = "\n".join([t["hello"].format(name=first), "", t["intro"], ""] + [f"- {s}" for s in sentences]
                     + ([f"\n{t['open']}: {mail.intranet_url}"] if mail.intranet_url else [])
                     + ["", "--", t["unsubscribe"], url, ""])
    html = (f'<p>{escape(t["hello"].format(name=first))}</p><p>{escape(t["intro"])}</p><ul>'
            + "".join(f"<li>{escape(s)}</li>" for s in sentences) + "</ul>"
            + (f'<p><a href="{escape(mail.intranet_url)}">{escape(t["open"])}</a></p>' if mail.intranet_url else "")
            + f'<hr><p style="font-size:small">{escape(t["unsubscribe"])} '
            + f'<a href="{escape(url)}">{escape(url)}</a></p>')
    domain = mail.sender.rsplit("@", 1)[-1].strip(">") or "tillit"
    return MailOutbox(person=who.id, address=who.email, message_id=f"<{uuid.uuid4().hex}@{domain}>", status="pending",
                      subject=digest_subject(lang, len(sentences)), text=text, html=html, unsubscribe_url=url)


def message(mail: MailSettings, row: MailOutbox) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = mail.sender, row.address, row.subject
    msg["Message-ID"], msg["Date"] = row.message_id, format_datetime(datetime.now(UTC))
    if row.unsubscribe_url:  # a digest; a staff note (the early warnings) goes by configuration
        msg["List-Unsubscribe"] = f"<{row.unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(row.text)
    msg.add_alternative(row.html, subtype="html")
    return msg


def recover(session: Session) -> int:
    """At a mailer's start: what a crashed mailer left in ``sending`` may have gone out; never resend it."""
    count = changed_rows(session, update(MailOutbox).where(MailOutbox.status == "sending")
                         .values(status="uncertain", error="the mailer stopped while sending"))
    session.commit()
    return count


def _connect(mail: MailSettings) -> smtplib.SMTP:
    if mail.tls == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(mail.host, mail.port, timeout=mail.timeout,
                                                     context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout)
        if mail.tls == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    if mail.user:
        smtp.login(mail.user, mail.password or "")
    return smtp


def _record_sent(session: Session, row: MailOutbox) -> None:
    row.status, row.sent_at = "sent", utcnow()
    session.commit()


def send_pending(session: Session, mail: MailSettings) -> dict[str, int]:
    """Hand every pending mail to the SMTP server once."""
    rows = session.scalars(select(MailOutbox).where(MailOutbox.status == "pending").order_by(MailOutbox.id)).all()
    counts = {"sent": 0, "failed": 0, "uncertain": 0}
    if not rows:
        return counts
    try:
        smtp = _connect(mail)
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("mail: SMTP %s:%s unavailable (%r); retrying later", mail.host, mail.port, exc)
        return counts
    with smtp:
        for row in rows:
            row.status = "sending"
            session.commit()
            try:
                smtp.send_message(message(mail, row))
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                row.status, row.error = "failed", repr(exc)[:2000]
                session.commit()
                counts["failed"] += 1
                continue
            except (OSError, smtplib.SMTPException) as exc:
                row.status, row.error = "uncertain", repr(exc)[:2000]
                session.commit()
                counts["uncertain"] += 1
                break
            _record_sent(session, row)
            counts["sent"] += 1
    return counts
