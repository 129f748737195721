"""Reading recognition: which targets to count, and the counts (engagement/recognition/api.py)."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from engagement.schemas.common import Items, ViewerQuery
from engagement.schemas.events import IDENTIFIER, TARGET_KINDS, TARGET_REF_PATTERN
from engagement.schemas.patterns import FullMatch

MAX_TARGETS = 200
TARGET_REF = FullMatch(TARGET_REF_PATTERN, error="{input!r} is not kind:id with a known kind.")


def target_refs(**kwargs) -> Items:
    """1 to 200 ``kind:id`` texts, each named by its position when it is not one."""
    return Items(fields.String(validate=TARGET_REF), required=True, validate=validate.Length(
        1, MAX_TARGETS, error=f"Give 1 to {MAX_TARGETS} targets as kind:id."), **kwargs)


def split(refs: list[str]) -> list[tuple[str, str]]:
    """``kind:id`` texts the schema let through, as (kind, id)."""
    return [(kind, target_id) for kind, _, target_id in (ref.partition(":") for ref in refs)]


class TargetsQuery(ViewerQuery):
    t = target_refs(metadata={"description": "kind:id, repeated"})


class TargetPath(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(TARGET_KINDS))
    target_id = fields.String(required=True, validate=IDENTIFIER)


class TargetQuerySchema(Schema):
    """POST /v1/targets/query: the question GET /v1/targets asks, for lists too long for a URL."""

    class Meta:
        unknown = RAISE

    targets = target_refs(metadata={"description": "kind:id, 1 to 200"})
    viewer = fields.String(validate=IDENTIFIER, metadata={
        "description": "With an API key: whose liked_by_me to answer (a user token is always its own)"})


class TargetCountsSchema(Schema):
    kind = fields.String(required=True)
    id = fields.String(required=True)
    likes = fields.Integer(required=True)
    comments = fields.Integer(required=True)
    kudos = fields.Integer(required=True, metadata={"description": "Bra! given about this target"})
    liked_by_me = fields.Boolean(allow_none=True, metadata={
        "description": "Whether the viewer (the token's subject, or ?viewer= with an API key) likes it"})
    kudos_by_me = fields.Boolean(allow_none=True, metadata={
        "description": "Whether the viewer's Bra! this month counts for it: for person:<id>, one given to that "
                       "person (a second one this month would not count); for content, one about it"})


class TargetListSchema(Schema):
    targets = fields.List(fields.Nested(TargetCountsSchema), required=True)


class KindCountsSchema(Schema):
    like = fields.Integer(required=True)
    comment = fields.Integer(required=True)
    kudos = fields.Integer(required=True)


class PersonRecognitionSchema(Schema):
    person = fields.String(required=True)
    received = fields.Nested(KindCountsSchema, required=True)
    given = fields.Nested(KindCountsSchema, required=True)
    colleagues = fields.Integer(required=True, metadata={
        "description": "Distinct colleagues who recognised this person (likes, comments, kudos; never self)"})
