"""Rate limits on writes, per API key and per person (Flask-Limiter), answered with 429 and
Retry-After. A person's budget counts events, not requests: a batch of 500 spends 500, so one
token cannot send more likes in one request than in 500. Counts live in Redis in production, so every
gunicorn worker and machine shares them, and in memory on the embedded default; if Redis is down,
requests go through."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, request
from flask_limiter import Limiter

from engagement.errors import EngagementError

WRITES = ["POST", "PUT", "PATCH", "DELETE"]
READS_BY_POST = {"engagement.recognition.query_targets"}  # a question too long for a URL spends no write budget


def rate_key() -> str:
    """Whose budget a request spends: the verified key or person, else the client address."""
    from engagement.web.requests import principal
    try:
        return principal().label
    except EngagementError:
        return f"ip:{request.remote_addr}"


def budget() -> str:
    """The budget of this request's caller, from the live config ("" when off)."""
    config = current_app.config
    value = config["ENGAGEMENT_RATE_LIMIT_KEY" if rate_key().startswith("key:") else "ENGAGEMENT_RATE_LIMIT_USER"]
    return "" if _off(value) else value


def cost() -> int:
    """What a write spends: one per event in a person's batch, one per request otherwise (an API
    key is the intranet's own back end, whose budget guards capacity, and it sends back-fills)."""
    if request.endpoint != "engagement.ledger.post_batch" or not rate_key().startswith("user:"):
        return 1
    body = request.get_json(silent=True)
    events = body.get("events") if isinstance(body, dict) else None
    return max(1, len(events)) if isinstance(events, list) else 1


def _off(value: str | None) -> bool:
    return not value or value.strip().lower() == "off"


def make_limiter(config: Any, bp: Blueprint) -> Limiter | None:
    if _off(config["ENGAGEMENT_RATE_LIMIT_KEY"]) and _off(config["ENGAGEMENT_RATE_LIMIT_USER"]):
        return None
    limiter = Limiter(rate_key, storage_uri=config["ENGAGEMENT_REDIS_URL"] or "memory://", headers_enabled=True,
                      swallow_errors=True, key_prefix=config["ENGAGEMENT_REDIS_PREFIX"] + "rate")
    # one budget across every write endpoint, not one per endpoint: a person's events are one count
    limiter.shared_limit(budget, "writes", methods=WRITES, cost=cost,
                         exempt_when=lambda: request.endpoint in READS_BY_POST or not budget())(bp)
    return limiter


def install(app: Flask, limiter: Limiter | None) -> None:
    if limiter is not None:
        limiter.init_app(app)
