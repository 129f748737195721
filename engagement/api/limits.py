"""Rate limits on writes, per API key and per person (Flask-Limiter), answered with 429 and
Retry-After. Counts live in Redis in production, so every gunicorn worker and machine shares
them, and in memory on the embedded default; if Redis is down, requests go through."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, request
from flask_limiter import Limiter

from engagement.errors import EngagementError

WRITES = ["POST", "PUT", "PATCH", "DELETE"]
READS_BY_POST = {"engagement.query_targets"}  # a question too long for a URL spends no write budget


def rate_key() -> str:
    """Whose budget a request spends: the verified key or person, else the client address."""
    from engagement.api.requests import principal
    try:
        return principal().label
    except EngagementError:
        return f"ip:{request.remote_addr}"


def budget() -> str:
    """The budget of this request's caller, from the live config ("" when off)."""
    config = current_app.config
    value = config["ENGAGEMENT_RATE_LIMIT_KEY" if rate_key().startswith("key:") else "ENGAGEMENT_RATE_LIMIT_USER"]
    return "" if _off(value) else value


def _off(value: str | None) -> bool:
    return not value or value.strip().lower() == "off"


def make_limiter(config: Any, bp: Blueprint) -> Limiter | None:
    if _off(config["ENGAGEMENT_RATE_LIMIT_KEY"]) and _off(config["ENGAGEMENT_RATE_LIMIT_USER"]):
        return None
    limiter = Limiter(rate_key, storage_uri=config["ENGAGEMENT_REDIS_URL"] or "memory://", headers_enabled=True,
                      swallow_errors=True, key_prefix=config["ENGAGEMENT_REDIS_PREFIX"] + "rate")
    limiter.limit(budget, methods=WRITES, exempt_when=lambda: request.endpoint in READS_BY_POST or not budget())(bp)
    return limiter


def install(app: Flask, limiter: Limiter | None) -> None:
    if limiter is not None:
        limiter.init_app(app)
