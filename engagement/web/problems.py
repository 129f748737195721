"""Errors as RFC 9457 ``application/problem+json``, for Tillit's own blueprint only."""
from __future__ import annotations

import logging

from flask import Response, json
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from engagement import metrics
from engagement.errors import EngagementError, is_connection_error

logger = logging.getLogger(__name__)
PROBLEM_TYPE = "https://tillit.dev/problems/"
DATABASE_RETRY_AFTER = 2


def problem(status: int, title: str, detail: str, errors: list[dict] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    body = {"type": PROBLEM_TYPE + title.lower().replace(" ", "-"), "title": title,
            "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    metrics.REQUESTS_REJECTED.labels(str(status)).inc()
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    response.headers.update(headers or {})
    return response


def from_domain_error(error: EngagementError) -> Response:
    return problem(error.status, error.title, error.detail,
                   [e.as_dict() for e in error.errors], error.headers)


def from_http_exception(error: HTTPException) -> Response:
    detail = {400: "The body is not valid JSON.",
              413: "The body is larger than this endpoint accepts.",
              429: "Too many writes; try again after Retry-After seconds."}.get(error.code or 500,
                                                                         error.description or "")
    headers = {k: v for k, v in error.get_headers() if k.lower() in ("allow", "retry-after")}
    return problem(error.code or 500, error.name, detail, headers=headers)


def from_database_error(error: DBAPIError) -> Response:
    """A database that cannot be reached (restarting, failing over) is an outage, not a bug:
    503 with Retry-After, so clients retry with the same ids, as when the bus is down."""
    if not is_connection_error(error):
        return from_unexpected(error)
    logger.warning("database unavailable: %s", error.orig or error)
    return problem(503, "Database unavailable", "The database did not answer; retry after Retry-After seconds.",
                   headers={"Retry-After": str(DATABASE_RETRY_AFTER)})


def from_unexpected(error: Exception) -> Response:
    logger.exception("unhandled error in the engagement API", exc_info=error)
    return problem(500, "Internal server error", "Something went wrong on our side; it is logged.")
