"""POST /v1/events and /v1/events/batch: take events in, answer 202 once they are durable."""
from __future__ import annotations

import logging
import os
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import request
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from engagement.errors import FieldError, is_connection_error
from engagement.ledger import service
from engagement.schemas.events import BatchSchema, EventSchema
from engagement.schemas.ledger import AcceptedSchema
from engagement.state import EngagementState, state
from engagement.web.requests import BODY, INVALID, Blueprint, guarded, principal


def _nothing_accepted(errors: list[FieldError]) -> str:
    """How many events are wrong (a batch's shape alone is just invalid fields)."""
    count = len({e.index for e in errors if e.index is not None}) or (request.endpoint or "").endswith(".post_event")
    return f"{int(count)} event(s) are invalid; nothing was accepted." if count else INVALID


logger = logging.getLogger(__name__)
blp = Blueprint("ledger", __name__, invalid_detail=_nothing_accepted)


def _as_sent(view: Callable) -> Callable:
    """The events load knowing their sender (engagement.schemas.events.Sender)."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        config = state().config
        with service.sent_by(principal(), config["ENGAGEMENT_MAX_CLOCK_SKEW"], config["ENGAGEMENT_MAX_BATCH"]):
            return view(*args, **kwargs)
    return wrapper


def _ingest(rule: str, body: Any) -> Callable:
    """An ingest route: the sender may send, then ``body`` loads as they send it, and the answer is 202.
    ``body`` is a schema instance, made once: webargs would make one from a class per request."""
    def decorator(view: Callable) -> Callable:
        answered = blp.response(202, AcceptedSchema, description="Durable")(view)
        return blp.route(rule, methods=["POST"])(guarded(service.may_send, *BODY, 503)(
            _as_sent(blp.arguments(body)(answered))))
    return decorator


@_ingest("/v1/events", EventSchema())
def post_event(event: dict):
    """Send one event"""
    return _accepted([event], False)


@_ingest("/v1/events/batch", BatchSchema())
def post_batch(body: dict):
    """Send a batch of events; all are accepted or none"""
    return _accepted(body["events"], True)


def _accepted(events: list[dict], batch: bool) -> dict:
    st = state()
    try:
        ids = _checked_and_published(st, events, batch)
    except DBAPIError as exc:
        if not is_connection_error(exc):
            raise
        # The reading pool does not ping each connection it lends (_reading): one the database
        # closed (a restart, a failover) is found here. Nothing was published before the checks,
        # and the pool has let go of every connection as old, so they run again on a fresh one.
        logger.info("reading connection lost, checking again on a new one: %s", exc.orig or exc)
        ids = _checked_and_published(st, events, batch)
    return {"accepted": ids, "count": len(ids)}


def _checked_and_published(st: EngagementState, events: list[dict], batch: bool) -> list[str]:
    # The checks before publishing only read: outside a transaction each is one round trip, where
    # the request's session would add a BEGIN and a closing ROLLBACK to every event sent.
    reads = Session(_reading(st))
    try:
        return service.ingest(events, principal(), st.bus, batch, reads, st.config["ENGAGEMENT_EDIT_WINDOW"])
    finally:
        _close(reads)


READING = "engagement.reading_engine"


def _reading(st: EngagementState) -> Engine:
    """The engine the checks read through, in autocommit, made once per process: ``execution_options``
    makes an engine and registers a listener on each call, 0.08 ms of every event sent.

    On PostgreSQL it has a pool of its own, without the app's ping before each checkout: the ping
    is one more round trip, and as much CPU as the owner check's query, on every event sent. A
    connection that died fails its first check instead, which runs once more (``_accepted``)."""
    engine = st.db.engine
    made = st.app.extensions.get(READING)
    if made is None or made[0] is not engine or made[2] != os.getpid():
        made = st.app.extensions[READING] = (engine, _autocommit(st, engine), os.getpid())
    return made[1]


def _autocommit(st: EngagementState, engine: Engine) -> Engine:
    """A second engine only where the database is a server: a SQLite file or memory database is
    the app's own engine's to open."""
    if engine.dialect.name != "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    options = {**st.app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}), "pool_pre_ping": False,
               "isolation_level": "AUTOCOMMIT"}
    return create_engine(engine.url, **options)


def _close(session: Session) -> None:
    """A database that went away once the events were published must not turn their 202 into an
    error the client would retry (as the request's own session, engagement.extension)."""
    try:
        session.close()
    except DBAPIError as exc:
        if not is_connection_error(exc):
            raise
        logger.warning("database went away while ingest ended: %s", exc.orig or exc)
