"""One app's Tillit: settings, the database, the bus, Redis and the read models.

Services receive what they need from here; this module imports no HTTP, CLI or read-model code,
so any of those can import it without pulling in the others.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.engine import Engine

from engagement import token_secret
from engagement.auth import KeyCache
from engagement.awards.scoring import DEFAULT_POINTS
from engagement.awards.service import AwardBoard
from engagement.bus.base import EventBus
from engagement.config import RefusedSetting, check_group_size, uses_kafka
from engagement.lottery.tickets import Rule as LotteryRule
from engagement.profiles import checklist
from engagement.recognition.service import RecognitionCache
from engagement.signin import SignIn, flag, hs256_enabled, parse_issuers
from engagement.trust.service import thresholds as trust_thresholds

if TYPE_CHECKING:
    from engagement.consumers.base import ReadModel


class EngagementState:
    """Everything one app's Tillit needs, built lazily so gunicorn workers build their own."""

    def __init__(self, app: Flask, db: SQLAlchemy, read_models: list[ReadModel] | None = None):
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
        self.lottery_rule = LotteryRule.from_config(app.config["ENGAGEMENT_LOTTERY_TICKETS"])
        self.award_board = AwardBoard(lambda: self.redis, app.config["ENGAGEMENT_REDIS_PREFIX"],
                                      {**DEFAULT_POINTS, **app.config["ENGAGEMENT_AWARD_POINTS"]},
                                      app.config["ENGAGEMENT_PUBLIC_RANKING"])
        self.recognition_cache = RecognitionCache(lambda: self.redis, app.config["ENGAGEMENT_REDIS_PREFIX"])
        self.read_models: list[ReadModel] = read_models or []
        self.token_secret = _token_secret(app)  # signs HS256 user tokens and the digests' unsubscribe links
        self.sign_in = _sign_in(app, self.token_secret)
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
        """The shared Redis, or None when none is configured."""
        if self._redis is None and self.config.get("ENGAGEMENT_REDIS_URL"):
            with self._lock:
                if self._redis is None:
                    self._redis = make_redis(self.config)
        return self._redis

    def turn_on_demo(self) -> None:
        """The demo asked for after start-up (`engagement serve --demo`): the sign-in check must take
        the demo's tokens from now on, and refuses, as at start-up, where HS256 tokens are off."""
        self.config["ENGAGEMENT_DEMO"] = True
        self.sign_in = _sign_in(self.app, self.token_secret)

    def read_model(self, name: str) -> ReadModel:
        for model in self.read_models:
            if model.name == name:
                return model
        raise KeyError(f"no read model {name!r}; known: {', '.join(m.name for m in self.read_models)}")


def state(app: Flask | None = None) -> EngagementState:
    return (app or current_app).extensions["engagement"]


def make_bus(config: Any) -> EventBus:
    if uses_kafka(config):
        from engagement.bus.kafka import KafkaBus
        return KafkaBus(config)
    from engagement.bus.embedded import EmbeddedBus
    return EmbeddedBus(config["ENGAGEMENT_EVENT_LOG"], config["ENGAGEMENT_KAFKA_TOPIC"])


def make_redis(config: Any) -> Any:
    """The Redis every process shares, or None: without one, counts and top lists are read from
    the database, which every process (web workers, `engagement consume`) shares. A stand-in kept
    in one process would serve what only that process's consumers wrote."""
    url = config.get("ENGAGEMENT_REDIS_URL")
    if url:
        import redis
        return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return None


def _sign_in(app: Flask, secret: str) -> SignIn:
    """The issuers user tokens may come from, and the HS256 secret unless those tokens are off;
    start-up stops on a bad setting."""
    issuers = parse_issuers(app.config["ENGAGEMENT_OIDC_ISSUERS"])
    hs256, demo = hs256_enabled(app.config), flag(app.config, "ENGAGEMENT_DEMO")
    # A host app may have set either as text ("off"); everything after start-up reads the bools.
    app.config["ENGAGEMENT_HS256_TOKENS"], app.config["ENGAGEMENT_DEMO"] = hs256, demo
    if not hs256 and not issuers:
        raise RefusedSetting("ENGAGEMENT_HS256_TOKENS is off but ENGAGEMENT_OIDC_ISSUERS names no issuer: nobody "
                             "could sign in to a widget. Configure an issuer or turn HS256 tokens on. "
                             "Tillit will not start.")
    if not hs256 and demo:
        raise RefusedSetting("ENGAGEMENT_DEMO needs ENGAGEMENT_HS256_TOKENS (the demo mints HS256 tokens for "
                             "made-up users), which is off. Tillit will not start.")
    return SignIn(issuers, secret if hs256 else None, app.config["ENGAGEMENT_TOKEN_MAX_AGE"], demo)


def _token_secret(app: Flask) -> str:
    """The configured secret if it is safe to sign with (start-up stops if not), or one made once
    and kept in the instance folder (embedded use)."""
    return token_secret.resolve(app.config["ENGAGEMENT_TOKEN_SECRET"], Path(app.instance_path))
