"""Reading recognition: counts for the targets on a page, and a person's own summary."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from engagement.api.requests import cached, principal
from engagement.auth import Principal
from engagement.errors import FieldError, Forbidden, ValidationFailed
from engagement.extension import state
from engagement.services.recognition import person_summary, target_counts
from schemas.events import IDENTIFIER, TARGET_KINDS

MAX_TARGETS = 200


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/v1/targets", "get_targets", get_targets)
    bp.add_url_rule("/v1/targets/<kind>/<path:target_id>", "get_target", get_target)
    bp.add_url_rule("/v1/people/<person>/recognition", "get_person_recognition", get_person_recognition)


def get_targets():
    """Counts for up to 200 targets in one request: ?t=article:news-1&t=article:news-2."""
    who = principal()
    raw = request.args.getlist("t")
    if not raw or len(raw) > MAX_TARGETS:
        raise ValidationFailed([FieldError("t", f"Give 1 to {MAX_TARGETS} targets as kind:id.")])
    keys = [_target_key(text, index) for index, text in enumerate(raw)]
    return cached(jsonify({"targets": _counts(who, keys)}))


def get_target(kind: str, target_id: str):
    """Counts for one target."""
    who = principal()
    key = _target_key(f"{kind}:{target_id}", None)
    return cached(jsonify(_counts(who, [key])[0]))


def get_person_recognition(person: str):
    """A person's recognition: received and given by kind, and distinct colleagues."""
    who = principal()
    if who.is_user and who.name != person:
        raise Forbidden("A user token shows only its own recognition.")
    if not who.is_user and not ({"events:write", "reports:read"} & who.scopes):
        raise Forbidden("This needs the scope 'events:write' or 'reports:read'.")
    st = state()
    return cached(jsonify(person_summary(st.db.session, st.recognition_cache, person)))


def _counts(who: Principal, keys: list[tuple[str, str]]) -> list[dict]:
    viewer = who.name if who.is_user else request.args.get("viewer")
    st = state()
    return target_counts(st.db.session, st.recognition_cache, keys, viewer)


def _target_key(text: str, index: int | None) -> tuple[str, str]:
    kind, _, target_id = text.partition(":")
    if kind not in TARGET_KINDS or not target_id or IDENTIFIER.regex.fullmatch(target_id) is None:
        raise ValidationFailed([FieldError("t", f"{text!r} is not kind:id with a known kind.", index)])
    return kind, target_id
