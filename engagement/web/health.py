"""Liveness, readiness and Prometheus metrics, for load balancers and operators."""
from __future__ import annotations

import logging

from flask import Response
from sqlalchemy import text

from engagement import heartbeats, metrics, migrate
from engagement.lag import consumer_lag
from engagement.schemas.common import HealthSchema, ReadinessSchema
from engagement.state import state
from engagement.web.requests import Blueprint
from engagement.workers import background

logger = logging.getLogger(__name__)
blp = Blueprint("health", __name__)


@blp.route("/healthz")
@blp.response(200, HealthSchema, description="The process answers")
def healthz():
    """Liveness"""
    return {"status": "ok"}


@blp.route("/readyz")
@blp.response(200, ReadinessSchema, description="Ready")
@blp.alt_response(503, schema=ReadinessSchema, description="Not ready")
def readyz():
    """Readiness and consumer lag

    Database, Redis (when configured) and the bus answer, and the read models are being applied:
    by threads of this process (ENGAGEMENT_CONSUMERS=in-process), or by a process that said so
    in the database within 30 seconds (external), and, with ENGAGEMENT_READY_MAX_LAG, none is more
    records behind the bus than that; consumer lag per read model."""
    st = state()
    checks = {"database": _check(lambda: st.db.session.execute(text("SELECT 1")))}
    if checks["database"] == "ok":
        checks["database"] = _schema(st)
    if st.redis is not None:
        checks["redis"] = _check(st.redis.ping)
    checks["bus"] = _check(st.bus.check)
    checks["consumers"] = _consumers(st) if checks["database"] == "ok" else "unknown: the database is not ready"
    lag = _lag_or_none(st) if checks["database"] == checks["bus"] == "ok" else None
    limit = st.config["ENGAGEMENT_READY_MAX_LAG"]
    if limit is not None:
        checks["lag"] = _within(lag, limit)
    ready = all(v == "ok" for v in checks.values())
    body = {"ready": ready, "checks": checks}
    if checks["database"] == checks["bus"] == "ok":  # also when nobody applies: how far behind they are
        body["consumer_lag"] = lag or {}
    return body, 200 if ready else 503


@blp.route("/metrics", endpoint="metrics")
@blp.doc(responses={200: {"description": "Prometheus text format",
                            "content": {"text/plain": {"schema": {"type": "string"}}}}})
def prometheus_metrics():
    """Metrics for Prometheus"""
    body, content_type = metrics.exposition(_lag_or_none(state()))
    return Response(body, content_type=content_type)


def _consumers(st) -> str:
    """Whether what this process serves will move: the read models run here, or elsewhere."""
    work = background(st.app)
    names = [m.name for m in st.read_models]
    if work.in_process:
        stopped = work.stopped()
        return "ok" if not stopped else f"failing: not running in this process: {', '.join(stopped)}"
    silent = heartbeats.silent(st.db.session, names)
    if not silent:
        return "ok"
    return (f"failing: no consumer process has applied {', '.join(silent)} within "
            f"{heartbeats.STALE.seconds} s (ENGAGEMENT_CONSUMERS=external: run `engagement consume`)")


def _within(lag: dict[str, int] | None, limit: int) -> str:
    """ENGAGEMENT_READY_MAX_LAG: every read model at most ``limit`` records behind the bus."""
    if lag is None:
        return "unknown: the consumer lag could not be read"
    behind = {name: records for name, records in sorted(lag.items()) if records > limit}
    if not behind:
        return "ok"
    return "failing: " + ", ".join(f"{name} is {records} records behind" for name, records in behind.items()) + \
        f" (ENGAGEMENT_READY_MAX_LAG={limit})"


def _schema(st) -> str:
    """The tables this release needs are there (a new install before `db upgrade` has none)."""
    try:
        reason = migrate.behind(st.db.session.connection())
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        logger.warning("readiness: the schema version could not be read: %r", exc)
        return f"failing: {type(exc).__name__}"
    return "ok" if reason is None else f"failing: {reason}"


def _check(probe) -> str:
    try:
        probe()
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        logger.warning("readiness check failed: %r", exc)
        return f"failing: {type(exc).__name__}"


def _lag_or_none(st) -> dict[str, int] | None:
    try:
        return consumer_lag(st)
    except Exception as exc:  # noqa: BLE001 - metrics must not fail because the bus is down
        logger.warning("consumer lag unavailable: %r", exc)
        return None
