"""The Flask extension: ``Engagement().init_app(app)`` mounts Tillit in any Flask app.

Per-app state lives in ``app.extensions["engagement"]``. Inside a host app Tillit
uses the host's Flask-SQLAlchemy instance (there can only be one) with its own
``engagement_*`` tables, and registers error handlers on its own blueprint only.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from engagement import checklist, token_secret
from engagement.auth import KeyCache
from engagement.bus.base import EventBus
from engagement.config import check_group_size, load_defaults, uses_kafka
from engagement.errors import is_connection_error
from engagement.services.award_scoring import DEFAULT_POINTS
from engagement.services.awards import AwardBoard
from engagement.services.recognition import RecognitionCache
from engagement.services.trust import thresholds as trust_thresholds

if TYPE_CHECKING:
    from consumers.base import ReadModel

logger = logging.getLogger(__name__)


class EngagementState:
    """Everything one app's Tillit needs, built lazily so gunicorn workers build their own."""

    def __init__(self, app: Flask, db: SQLAlchemy, read_models: list["ReadModel"] | None = None):
        from consumers import builtin_read_models  # consumers import engagement; import late
        self.app = app
        self.config = app.config
        self.db = db
        self.key_cache = KeyCache()
        if app.config["ENGAGEMENT_PUBLIC_RANKING"] not in ("opt-out", "opt-in"):
            raise ValueError("ENGAGEMENT_PUBLIC_RANKING must be opt-out or opt-in, not "
                             f"{app.config['ENGAGEMENT_PUBLIC_RANKING']!r}")
        check_group_size(app.config["ENGAGEMENT_MIN_GROUP_SIZE"])
        self.checklist = checklist.load(app.config["ENGAGEMENT_PROFILE_CHECKLIST"])
        self.trust_thresholds = trust_thresholds(app.config["ENGAGEMENT_TRUST_THRESHOLDS"])
        self.award_board = AwardBoard(lambda: self.redis, app.config["ENGAGEMENT_REDIS_PREFIX"],
                                      {**DEFAULT_POINTS, **app.config["ENGAGEMENT_AWARD_POINTS"]},
                                      app.config["ENGAGEMENT_PUBLIC_RANKING"])
        self.recognition_cache = RecognitionCache(lambda: self.redis, app.config["ENGAGEMENT_REDIS_PREFIX"])
        self.read_models = read_models or builtin_read_models(self)
        self.token_secret = _token_secret(app)
        self._bus: EventBus | None = None
        self._redis: Any = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """The app's engine, reachable from consumer threads that have no app context."""
        with self.app.app_context():
            return self.db.engine

    @property
    def bus(self) -> EventBus:
        if self._bus is None:
            with self._lock:
                if self._bus is None:
                    self._bus = make_bus(self.config)
        return self._bus

    @property
    def redis(self) -> Any:
        if self._redis is None:
            with self._lock:
                if self._redis is None:
                    self._redis = make_redis(self.config)
        return self._redis

    def read_model(self, name: str) -> "ReadModel":
        for model in self.read_models:
            if model.name == name:
                return model
        raise KeyError(f"no read model {name!r}; known: {', '.join(m.name for m in self.read_models)}")


class Engagement:
    def __init__(self, app: Flask | None = None, **options: Any):
        self.options = options
        if app is not None:
            self.init_app(app, **options)

    def init_app(self, app: Flask, db: SQLAlchemy | None = None,
                 read_models: list["ReadModel"] | None = None, url_prefix: str | None = None) -> None:
        load_defaults(app)
        if not app.config["ENGAGEMENT_EVENT_LOG"]:
            app.config["ENGAGEMENT_EVENT_LOG"] = str(Path(app.instance_path) / "events.sqlite3")
        db = db or self.options.get("db") or app.extensions.get("sqlalchemy") or _own_database(app)
        models = read_models or self.options.get("read_models")
        app.extensions["engagement"] = EngagementState(app, db, models)
        app.teardown_appcontext(_session_releaser(db))
        from engagement.api import create_blueprint, limits
        prefix = url_prefix if url_prefix is not None else app.config["ENGAGEMENT_URL_PREFIX"]
        blueprint, limiter = create_blueprint(app.config)
        app.register_blueprint(blueprint, url_prefix=prefix or None)
        if app.config["ENGAGEMENT_DEMO"]:
            from engagement.api import demo
            demo.install(app, prefix)
        limits.install(app, limiter)
        from engagement.cli import engagement_commands
        app.cli.add_command(engagement_commands)


def state(app: Flask | None = None) -> EngagementState:
    return (app or current_app).extensions["engagement"]


def make_bus(config: Any) -> EventBus:
    if uses_kafka(config):
        from engagement.bus.kafka import KafkaBus
        return KafkaBus(config)
    from engagement.bus.embedded import EmbeddedBus
    return EmbeddedBus(config["ENGAGEMENT_EVENT_LOG"], config["ENGAGEMENT_KAFKA_TOPIC"])


def make_redis(config: Any) -> Any:
    url = config.get("ENGAGEMENT_REDIS_URL")
    if url:
        import redis
        return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    import fakeredis
    return fakeredis.FakeRedis(server=fakeredis.FakeServer())  # one per app, never shared


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


def _token_secret(app: Flask) -> str:
    """The configured secret if it is safe to sign with (start-up stops if not), or one made once
    and kept in the instance folder (embedded use)."""
    return token_secret.resolve(app.config["ENGAGEMENT_TOKEN_SECRET"], Path(app.instance_path))
