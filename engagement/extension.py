"""The Flask extension: ``Engagement().init_app(app)`` mounts Tillit in any Flask app.

Per-app state lives in ``app.extensions["engagement"]``. Inside a host app Tillit
uses the host's Flask-SQLAlchemy instance (there can only be one) with its own
``engagement_*`` tables, and registers error handlers on its own blueprint only.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError

from engagement.config import load_defaults
from engagement.consumers import builtin_read_models
from engagement.consumers.base import ReadModel
from engagement.errors import is_connection_error
from engagement.state import EngagementState

logger = logging.getLogger(__name__)


class Engagement:
    def __init__(self, app: Flask | None = None, **options: Any):
        self.options = options
        if app is not None:
            self.init_app(app, **options)

    def init_app(self, app: Flask, db: SQLAlchemy | None = None,
                 read_models: list[ReadModel] | None = None, url_prefix: str | None = None) -> None:
        load_defaults(app)
        if not app.config["ENGAGEMENT_EVENT_LOG"]:
            app.config["ENGAGEMENT_EVENT_LOG"] = str(Path(app.instance_path) / "events.sqlite3")
        db = db or self.options.get("db") or app.extensions.get("sqlalchemy") or _own_database(app)
        st = EngagementState(app, db, [])
        st.read_models = read_models or self.options.get("read_models") or builtin_read_models(st)
        app.extensions["engagement"] = st
        app.teardown_appcontext(_session_releaser(db))
        from engagement.web import create_blueprint, limits
        from engagement.web.requests import IdConverter
        if url_prefix is not None:  # the one place every link (digests, `serve`'s banner) reads it from
            app.config["ENGAGEMENT_URL_PREFIX"] = url_prefix
        prefix = app.config["ENGAGEMENT_URL_PREFIX"]
        app.url_map.converters.setdefault("id", IdConverter)
        blueprint, limiter = create_blueprint(app.config)
        app.register_blueprint(blueprint, url_prefix=prefix or None)
        if app.config["ENGAGEMENT_DEMO"]:
            from engagement.demo import api as demo
            demo.install(app, prefix)
        limits.install(app, limiter)
        from engagement.cli import engagement_commands
        app.cli.add_command(engagement_commands)
        from engagement import workers
        workers.install(app)  # the read models run in this process from its first request, unless external


def _session_releaser(db: SQLAlchemy):
    """Close the request's session before Flask-SQLAlchemy does (teardowns run last-registered
    first): a database that went away after the answer was made (a restart, a failover) makes the
    closing rollback fail, and that must not turn the answer into a 500."""
    def release(_error: BaseException | None) -> None:
        try:
            db.session.remove()
        except DBAPIError as exc:
            if not is_connection_error(exc):
                raise
            db.session.registry.clear()
            logger.warning("database went away while a request ended: %s", exc.orig or exc)
    return release


def _own_database(app: Flask) -> SQLAlchemy:
    """Tillit standing alone: its own Flask-SQLAlchemy on the configured URL or a SQLite file."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    url = app.config["ENGAGEMENT_DATABASE_URL"] or f"sqlite:///{instance / 'engagement.sqlite3'}"
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", _with_driver(url))
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith(("postgres://", "postgresql")):
        # No server-side prepared statements: a generic plan made while a table was small
        # stays a sequential scan as it grows (seen on the ledger at 50,000 rows).
        options["connect_args"] = {"prepare_threshold": None}
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", options)
    db = SQLAlchemy()
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
    return db


def _with_driver(url: str) -> str:
    """We ship psycopg 3; plain postgres URLs would ask SQLAlchemy for psycopg2."""
    for plain in ("postgres://", "postgresql://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain):]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets the API read while a consumer writes; busy_timeout waits instead of failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
