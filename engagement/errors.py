"""Domain errors, one small hierarchy. Only the API edge turns them into HTTP answers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError


@dataclass
class FieldError:
    """One bad field: where it is (dotted path, batch index if any) and what is wrong."""

    field: str
    message: str
    index: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.index is not None:
            out["index"] = self.index
        return out


@dataclass
class EngagementError(Exception):
    """Base of every error Tillit raises on purpose; ``status`` is its HTTP meaning."""

    detail: str
    status: int = 400
    title: str = "Bad request"
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.detail


class ValidationFailed(EngagementError):
    def __init__(self, errors: list[FieldError], detail: str = "The request has invalid fields."):
        super().__init__(detail, 422, "Invalid input", errors)


class Unauthenticated(EngagementError):
    def __init__(self, detail: str):
        super().__init__(detail, 401, "Unauthenticated", headers={"WWW-Authenticate": "Bearer"})


class Forbidden(EngagementError):
    def __init__(self, detail: str, errors: list[FieldError] | None = None):
        super().__init__(detail, 403, "Forbidden", errors or [])


class BusUnavailable(EngagementError):
    """The event bus did not confirm durability; the client must retry with the same ids."""

    def __init__(self, detail: str, retry_after: int = 5):
        super().__init__(detail, 503, "Event bus unavailable", headers={"Retry-After": str(retry_after)})


# Operational errors that come from the statement, not from the database being away: SQLite's
# limits ("Expression tree is too large", "too many SQL variables", SQLITE_TOOBIG, SQLITE_RANGE)
# and PostgreSQL's class 54 (program limit exceeded: "statement too complex"). Other SQLITE_ERRORs
# stay retryable: "no such table" is a database not yet upgraded, which `db upgrade` mends, and a
# consumer must wait for it rather than set its records aside.
STATEMENT_ERRORS = {"SQLITE_TOOBIG", "SQLITE_RANGE"}
STATEMENT_LIMITS = ("too large", "too many", "too big")
STATEMENT_SQLSTATE_CLASSES = {"54"}


def is_connection_error(error: DBAPIError) -> bool:
    """Connection errors come from the database being away (refused, closed, restarting, locked,
    its disk failing, its tables not made yet): worth a retry. Integrity and data errors come from
    the input, and so do the few operational errors a statement causes itself by its size; retrying
    those would only fail again."""
    if error.connection_invalidated or isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    sqlstate = getattr(error.orig, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate[:2] in STATEMENT_SQLSTATE_CLASSES:
        return False
    name = getattr(error.orig, "sqlite_errorname", None)
    if name == "SQLITE_ERROR":
        return not any(words in str(error.orig).lower() for words in STATEMENT_LIMITS)
    return name not in STATEMENT_ERRORS


def flatten(messages: Any, path: str = "") -> list[FieldError]:
    """marshmallow's nested error dict as a flat list of dotted field paths; errors a list
    already placed by item (schemas/common.py's Items) keep their index and field."""
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            name = "" if key == "_schema" else str(key)
            out += flatten(value, f"{path}.{name}".strip(".") if name else path)
        return out
    if isinstance(messages, list) and all(isinstance(m, (str, FieldError)) for m in messages):
        return [m if isinstance(m, FieldError) else FieldError(path, m) for m in messages]
    return [FieldError(path, str(messages))]
