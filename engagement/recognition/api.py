"""Reading recognition: counts for the targets on a page, and a person's own summary.

A page with many buttons asks for all of them at once. As ``GET ?t=...&t=...`` 200 targets make
a request line far past the 4 KB a proxy or gunicorn takes, so the same question can also be
POSTed as JSON to ``/v1/targets/query`` (the widget script does that for long lists)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from marshmallow import ValidationError

from engagement.web.requests import cached, json_body, person_reader, principal, viewer_for
from engagement.auth import Principal
from engagement.errors import FieldError, ValidationFailed
from engagement.state import state
from engagement.ledger.service import flatten
from engagement.recognition.service import person_summary, target_counts
from engagement.schemas.api import TargetQuerySchema
from engagement.schemas.events import IDENTIFIER, TARGET_KINDS

MAX_TARGETS = 200


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/v1/targets", "get_targets", get_targets)
    bp.add_url_rule("/v1/targets/query", "query_targets", query_targets, methods=["POST"])
    bp.add_url_rule("/v1/targets/<kind>/<path:target_id>", "get_target", get_target)
    bp.add_url_rule("/v1/people/<person>/recognition", "get_person_recognition", get_person_recognition)


def get_targets():
    """Counts for up to 200 targets in one request: ?t=article:news-1&t=article:news-2."""
    who = principal()
    raw = request.args.getlist("t")
    if not raw or len(raw) > MAX_TARGETS:
        raise ValidationFailed([FieldError("t", f"Give 1 to {MAX_TARGETS} targets as kind:id.")])
    keys = [_target_key(text, index) for index, text in enumerate(raw)]
    return cached(jsonify({"targets": _counts(who, keys, request.args.get("viewer"))}))


def query_targets():
    """The same as GET /v1/targets, asked in a JSON body: {"targets": ["article:news-1", ...]}."""
    who = principal()
    try:
        body = TargetQuerySchema().load(json_body())
    except ValidationError as exc:
        raise ValidationFailed(flatten(exc.messages)) from exc
    keys = [_target_key(text, index, "targets") for index, text in enumerate(body["targets"])]
    return cached(jsonify({"targets": _counts(who, keys, body.get("viewer"))}))


def get_target(kind: str, target_id: str):
    """Counts for one target."""
    who = principal()
    key = _target_key(f"{kind}:{target_id}", None)
    return cached(jsonify(_counts(who, [key], request.args.get("viewer"))[0]))


def get_person_recognition(person: str):
    """A person's recognition: received and given by kind, and distinct colleagues."""
    person_reader(principal(), person, "recognition")
    st = state()
    return cached(jsonify(person_summary(st.db.session, st.recognition_cache, person)))


def _counts(who: Principal, keys: list[tuple[str, str]], asked_viewer: str | None) -> list[dict]:
    """``liked_by_me`` is for the token's own person; only the intranet back end's key may name another viewer."""
    st = state()
    return target_counts(st.db.session, st.recognition_cache, keys, viewer_for(who, asked_viewer))


def _target_key(text: str, index: int | None, field: str = "t") -> tuple[str, str]:
    kind, _, target_id = text.partition(":")
    if kind not in TARGET_KINDS or not target_id or IDENTIFIER.regex.fullmatch(target_id) is None:
        raise ValidationFailed([FieldError(field, f"{text!r} is not kind:id with a known kind.", index)])
    return kind, target_id
