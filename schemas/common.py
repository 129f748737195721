"""What every part of the API shares: the problem body, paging, and lists reported by item."""
from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields

from engagement.errors import FieldError, flatten
from engagement.schemas.patterns import Whole

MAX_PAGE = 10_000


class FieldErrorSchema(Schema):
    index = fields.Integer(metadata={"description": "Position in the list (batch or target lists only)."})
    field = fields.String(required=True, metadata={"description": "Dotted path, e.g. target.owner."})
    message = fields.String(required=True)


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.List(fields.Nested(FieldErrorSchema))


class ReadinessSchema(Schema):
    ready = fields.Boolean(required=True)
    checks = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    consumer_lag = fields.Dict(keys=fields.String(), values=fields.Integer())


class HealthSchema(Schema):
    status = fields.String(required=True)


class Query(Schema):
    """Query parameters: what is declared is validated; others are left alone (a host's proxy may add some)."""

    class Meta:
        unknown = EXCLUDE


class ViewerQuery(Query):
    viewer = fields.String(metadata={
        "description": "With an API key that has events:write: whose liked_by_me to answer (403 otherwise)"})


def paging(per_page: int, most: int) -> tuple[Whole, Whole]:
    """``page`` and ``per_page`` fields for a list of up to ``most`` rows a page, ``per_page`` by default;
    a query schema declares them with ``page, per_page = paging(20, 100)``."""
    return Whole(1, MAX_PAGE, load_default=1), Whole(1, most, load_default=per_page)


class PageSchema(Schema):
    """Where a page is, and whether another follows: a client never has to guess from a short page."""

    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    more = fields.Boolean(required=True)


class Items(fields.List):
    """A list whose bad items are named by position: ``index`` is the item, ``field`` the path
    inside it (a batch's events), or the list's own name when the items are plain values."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError as exc:
            if not isinstance(exc.messages, dict):
                raise
            raise ValidationError([FieldError(error.field if self._objects else self._own_name, error.message, index)
                                   for index, messages in exc.messages.items()
                                   for error in flatten(messages)]) from exc

    @property
    def _own_name(self) -> str:
        """The list's name in its schema, which binds it before it loads anything."""
        return self.name or ""

    @property
    def _objects(self) -> bool:
        return isinstance(self.inner, fields.Nested)
