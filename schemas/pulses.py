"""Pulses: what staff send to define one, what a person sends to answer, and the answers
(engagement/pulses/api.py)."""
from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

from engagement.pulses.model import WORDINGS
from engagement.pulses.seal import COMMENT_CHARS
from engagement.schemas.common import Query
from engagement.schemas.events import IDENTIFIER, Strict
from engagement.translations import LANGS

PULSE_STATUSES = ("scheduled", "open", "closed")


class CustomText(fields.Field):
    """A custom statement's words: one text for everything, or texts by language, each one text
    or texts by wording (team, self, manager). What is left out takes the first text given."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            return _one_text(value)
        if not isinstance(value, dict) or not value:
            raise ValidationError("A text, or texts by language (nb, nn, da, en).")
        out: dict[str, Any] = {}
        for lang, given in value.items():
            if lang not in LANGS:
                raise ValidationError(f"Unknown language {lang!r}; use nb, nn, da or en.")
            if isinstance(given, dict):
                if not given or set(given) - set(WORDINGS):
                    raise ValidationError("Texts by wording are keyed team, self and manager.")
                out[lang] = {wording: _one_text(text) for wording, text in given.items()}
            else:
                out[lang] = _one_text(given)
        return out


def _one_text(value: Any) -> str:
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= 300:
        raise ValidationError("A statement's text is 1-300 characters.")
    return value.strip()


class CustomStatementSchema(Strict):
    key = fields.String(required=True, validate=validate.Regexp(r"^custom-[0-9]{1,3}$", error="Must be custom-<n>."))
    text = CustomText(required=True, metadata={"description": "One text, or {lang: text | {wording: text}}."})


class StatementField(fields.Field):
    """A library key (a string) or a custom statement (an object)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            return CustomStatementSchema().load(value)
        raise ValidationError("A library key, or {\"key\": \"custom-1\", \"text\": ...}.")


class PulseCreateSchema(Strict):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    statements = fields.List(StatementField(), required=True, validate=validate.Length(1, 30), metadata={
        "description": "Library keys (leader.safe_to_try, climate.curiosity, ...) or custom statements."})
    units = fields.List(fields.String(validate=IDENTIFIER), required=True, validate=validate.Length(1, 500),
                        metadata={"description": "Team ids; everyone in their subtrees is invited."})
    opens_at = fields.AwareDateTime(load_default=None, format="iso", metadata={"description": "Default: now."})
    closes_at = fields.AwareDateTime(required=True, format="iso")
    free_text = fields.Boolean(load_default=False, metadata={
        "description": "Off by default: free text can name or give away its writer."})


class PulseSchema(Strict):
    id = fields.String(required=True)
    title = fields.String(required=True)
    statements = fields.List(fields.Raw(), required=True)
    units = fields.List(fields.String(), required=True)
    opens_at = fields.String(required=True)
    closes_at = fields.String(required=True)
    free_text = fields.Boolean(required=True)
    created_by = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(PULSE_STATUSES))
    answers = fields.Integer(metadata={"description": "Answers taken in so far (all teams and wordings)."})


class PulseListSchema(Strict):
    pulses = fields.List(fields.Nested(PulseSchema), required=True)


class LangQuery(Query):
    lang = fields.String(load_default=None, validate=validate.OneOf(LANGS), metadata={
        "description": "nb, nn, da or en; default: the person's locale."})


class PulseTeamSchema(Strict):
    id = fields.String(required=True)
    name = fields.String(required=True)


class PulseStatementSchema(Strict):
    key = fields.String(required=True)
    text = fields.String(required=True)


class PulseScaleStepSchema(Strict):
    value = fields.Integer(required=True)
    label = fields.String(required=True)


class MyPulseSchema(Strict):
    pulse = fields.String(required=True)
    title = fields.String(required=True)
    closes_at = fields.String(required=True)
    team = fields.Nested(PulseTeamSchema, required=True)
    wording = fields.String(required=True, validate=validate.OneOf(WORDINGS))
    answered = fields.Boolean(required=True)
    anonymous = fields.Boolean(required=True, metadata={
        "description": "Only the team wording is anonymous; a leader's own and their manager's answers are "
                       "their views of that leader, shown to the leader, their manager and communications staff."})
    statements = fields.List(fields.Nested(PulseStatementSchema), required=True)
    scale = fields.List(fields.Nested(PulseScaleStepSchema), required=True)
    free_text = fields.Boolean(required=True, metadata={"description": "Whether a comment may go with the answer."})
    comment_max = fields.Integer(required=True, metadata={"description": "The longest comment, in characters."})


class MyPulsesSchema(Strict):
    pulses = fields.List(fields.Nested(MyPulseSchema), required=True)


class AnswerValue(fields.Integer):
    """1-5 or 0, as a JSON number: not true or false, which Python counts as 1 and 0."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool):
            raise ValidationError("Must be a number 0-5, not true or false.")
        return super()._deserialize(value, attr, data, **kwargs)


class AnswerSchema(Strict):
    team = fields.String(required=True, validate=IDENTIFIER)
    wording = fields.String(required=True, validate=validate.OneOf(WORDINGS))
    answers = fields.Dict(keys=fields.String(validate=validate.Length(1, 64)),
                          values=AnswerValue(strict=True, validate=validate.Range(0, 5, error="Must be 0-5 "
                                             "(1 strongly disagree ... 5 strongly agree, 0 don't know).")),
                          required=True, validate=validate.Length(min=1), metadata={
                              "description": "Every statement of the pulse: 1-5, or 0 for don't know."})
    comment = fields.String(load_default=None, allow_none=True, metadata={
        "description": "Only on a pulse with free_text: a comment beside the answer, trimmed, at most "
                       f"{COMMENT_CHARS} characters. Sealed until the close, then released with the answer "
                       "under the same group."})


class AnsweredSchema(Strict):
    answered = fields.Boolean(required=True)
