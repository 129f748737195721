"""The mailer: every minute, claim the digests that are due and hand them to SMTP.

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

logger = logging.getLogger(__name__)
INTERVAL = 60.0


def run_once(app: Flask, now: datetime | None = None) -> dict:
    """One pass: claim due digests, send what is pending."""
    st = state(app)
    mail = digests.MailSettings.from_config(st.config, st.token_secret)
    if mail is None:
        return {"mail": "off"}
    with Session(st.engine) as session:
        claimed = digests.schedule(session, mail, now or datetime.now(UTC))
        return {"claimed": claimed, **digests.send_pending(session, mail)}


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
