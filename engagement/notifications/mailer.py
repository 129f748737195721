"""The mailer: every minute, claim the digests that are due, and the week's early warnings when
they are (engagement/trust/warnings.py), and hand them to SMTP.

Run exactly one (``engagement mail``, or inside ``engagement serve`` on the embedded default
when ENGAGEMENT_SMTP_HOST is set). At its start it marks what a crashed mailer left
half-sent as uncertain, so nothing is ever mailed twice.
"""
from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy.orm import Session

from engagement.notifications import digests
from engagement.state import state
from engagement.trust import warnings

logger = logging.getLogger(__name__)
INTERVAL = 60.0


def run_once(app: Flask, now: datetime | None = None) -> dict:
    """One pass: the early warnings if due, claim due digests, send what is pending."""
    st = state(app)
    mail = digests.MailSettings.from_config(st.config, st.token_secret)
    now = now or datetime.now(UTC)
    with Session(st.engine) as session:
        said = _warnings(session, st.config, mail, now)
        if mail is None:
            return {"mail": "off", **said}
        claimed = digests.schedule(session, mail, now)
        return {"claimed": claimed, **digests.send_pending(session, mail), **said}


def _warnings(session: Session, config: dict, mail: digests.MailSettings | None, now: datetime) -> dict:
    """The week's early warnings when due, said in the pass's answer when sent; a failure is logged
    and leaves the digests to go as usual."""
    try:
        warned = warnings.run(session, warnings.WarningSettings.from_config(config), mail, now)
    except Exception:  # noqa: BLE001 - the digests must not wait for the warnings
        session.rollback()
        logger.exception("mailer: the early warnings failed")
        return {"warnings": {"warnings": "failed"}}
    return {} if warned["warnings"] in ("off", "not due", "sent before") else {"warnings": warned}


def warn_now(app: Flask, now: datetime | None = None) -> dict:
    """``engagement warnings``: this week's note now, whatever the day (still once a week), and
    its e-mails handed to SMTP."""
    st = state(app)
    mail = digests.MailSettings.from_config(st.config, st.token_secret)
    with Session(st.engine) as session:
        warned = warnings.run(session, warnings.WarningSettings.from_config(st.config), mail,
                              now or datetime.now(UTC), by_hand=True)
        return {**warned, **(digests.send_pending(session, mail) if mail is not None else {})}


def recover(app: Flask) -> int:
    with Session(state(app).engine) as session:
        return digests.recover(session)


class MailerThread:
    """The loop on a thread, for ``engagement serve``; ``stop()`` ends it after the pass in hand."""

    def __init__(self, app: Flask):
        self.app, self.stopping = app, threading.Event()
        self.thread = threading.Thread(target=self.loop, name="mailer", daemon=True)

    def start(self) -> MailerThread:
        self.thread.start()
        return self

    def loop(self) -> None:
        logger.info("mailer: %d half-sent mails marked uncertain", recover(self.app))
        while not self.stopping.is_set():
            try:
                logger.info("mailer: %s", run_once(self.app))
            except Exception:  # noqa: BLE001 - a bad pass must not end the loop
                logger.exception("mailer pass failed")
            self.stopping.wait(INTERVAL)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(10)
