"""Reading recognition: counts for the targets on a page, and a person's own summary.

A page with many buttons asks for all of them at once. As ``GET ?t=...&t=...`` 200 targets make
a request line far past the 4 KB a proxy or gunicorn takes, so the same question can also be
POSTed as JSON to ``/v1/targets/query`` (the widget script does that for long lists)."""
from __future__ import annotations

from engagement.recognition.service import person_summary, target_counts
from engagement.schemas.common import ViewerQuery
from engagement.schemas.recognition import (
    PersonRecognitionSchema,
    TargetCountsSchema,
    TargetListSchema,
    TargetPath,
    TargetQuerySchema,
    TargetsQuery,
    split,
)
from engagement.state import state
from engagement.web.requests import BODY, Blueprint, etagged, guarded, person_reader, principal, viewer_for

blp = Blueprint("recognition", __name__)


@blp.route("/v1/targets")
@guarded()
@etagged
@blp.arguments(TargetsQuery, location="query")
@blp.response(200, TargetListSchema)
def get_targets(args: dict):
    """Counts for up to 200 targets, with liked_by_me for the token's person

    ?t=article:news-1&t=article:news-2."""
    return {"targets": _counts(split(args["t"]), args.get("viewer"))}


@blp.route("/v1/targets/query", methods=["POST"])
@guarded(None, *BODY)
@etagged
@blp.arguments(TargetQuerySchema)
@blp.response(200, TargetListSchema)
def query_targets(body: dict):
    """The same counts for a list too long for a URL (up to 200 targets), as JSON"""
    return {"targets": _counts(split(body["targets"]), body.get("viewer"))}


@blp.route("/v1/targets/<kind>/<path:target_id>")
@guarded()
@etagged
@blp.arguments(TargetPath, location="path")
@blp.arguments(ViewerQuery, location="query")
@blp.response(200, TargetCountsSchema)
def get_target(target: dict, args: dict, **_: str):
    """Counts for one target"""
    return _counts([(target["kind"], target["target_id"])], args.get("viewer"))[0]


@blp.route("/v1/people/<person>/recognition")
@guarded()
@etagged
@blp.response(200, PersonRecognitionSchema)
def get_person_recognition(person: str):
    """A person's recognition (a user token sees only its own)

    Received and given by kind, and distinct colleagues."""
    person_reader(principal(), person, "recognition")
    st = state()
    return person_summary(st.db.session(), st.recognition_cache, person)


def _counts(keys: list[tuple[str, str]], asked_viewer: str | None) -> list[dict]:
    """``liked_by_me`` is for the token's own person; only the intranet back end's key may name another viewer."""
    st = state()
    return target_counts(st.db.session(), st.recognition_cache, keys, viewer_for(principal(), asked_viewer))
