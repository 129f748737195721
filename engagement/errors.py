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


def is_connection_error(error: DBAPIError) -> bool:
    """Connection errors come from the database being away; integrity and data errors from the input."""
    return isinstance(error, (OperationalError, InterfaceError)) or error.connection_invalidated


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
