"""What Tillit knows about a person: their own data for them, any person's for the data
protection officer (audited), and the audit of those reads.

Both answers are ``engagement.privacy.export.person_data``, which the data inventory drives,
as JSON (the export's own shape) or CSV (``as_csv``: table,row,column,value).
"""
from __future__ import annotations

import re

from flask import Response, jsonify
from sqlalchemy import select

from engagement.auth import Principal
from engagement.errors import Forbidden
from engagement.privacy import export
from engagement.privacy.model import PrivacyAudit
from engagement.schemas.privacy import AuditQuery, DataQuery, PersonDataSchema, PrivacyAuditSchema
from engagement.state import state
from engagement.web.requests import Blueprint, auditor, guarded, principal

DPO_SCOPE = "privacy:read"
NO_STORE = "private, no-store"  # a person's data stays out of shared caches and the browser's disk cache
blp = Blueprint("privacy", __name__)
FILES = {"content": {"text/csv": {"schema": {"type": "string"}}},
         "headers": {"Content-Disposition": {"schema": {"type": "string"}, "description":
                     'attachment; filename="tillit-<person>.csv" (or .json with ?download=true)'}}}


def _own(who: Principal) -> None:
    if not who.is_user:
        raise Forbidden("Only the person's own user token reads /v1/me/data; the data protection officer "
                        f"reads /v1/people/<id>/data with an API key that has {DPO_SCOPE!r}.")


def _officer(who: Principal) -> None:
    if who.is_user:
        raise Forbidden(f"This needs an API key with {DPO_SCOPE!r}; a person reads their own data at /v1/me/data.")
    who.require(DPO_SCOPE)


@blp.route("/v1/me/data")
@guarded(_own)
@blp.arguments(DataQuery, location="query")
@blp.response(200, PersonDataSchema)
@blp.doc(responses={200: FILES})
def my_data(args: dict):
    """Everything Tillit holds about the caller (their own user token; ?format=json|csv&download=true)

    Not audited: the person reading what is held about themselves tells nobody anything new,
    and a log of it would be one more record of what an employee does, kept for no purpose."""
    who = principal()
    return _answer(who.name, args)


@blp.route("/v1/people/<id:person>/data")
@guarded(_officer)
@blp.arguments(DataQuery, location="query")
@blp.response(200, PersonDataSchema)
@blp.doc(responses={200: FILES})
def person_data(args: dict, person: str):
    """Everything Tillit holds about one person, for the data protection officer (privacy:read); audited

    Every read is written to the privacy audit (who, whose, when, format), listed at
    /v1/privacy/audit. A person Tillit knows nothing about answers 200 with every table's rows
    empty: that is the answer to their access request."""
    _audit(principal(), person, args["format"])
    return _answer(person, args)


@blp.route("/v1/privacy/audit")
@guarded(auditor)
@blp.arguments(AuditQuery, location="query")
@blp.response(200, PrivacyAuditSchema)
def privacy_audit(args: dict):
    """Who read a person's data with privacy:read, newest first (audit:read; ?limit=100, at most 1000)"""
    rows = state().db.session.scalars(select(PrivacyAudit).order_by(PrivacyAudit.id.desc()).limit(args["limit"]))
    return {"reads": [{"at": r.at.isoformat() + "Z", "who": r.who, "person": r.person, "format": r.format}
                      for r in rows]}


def _answer(person: str, args: dict):
    """The person's data as JSON, or CSV as a file; JSON as a file too when ?download=true."""
    data = export.person_data(state().db.session(), person)
    if args["format"] == "csv":
        return Response(export.as_csv(data), mimetype="text/csv", headers=_attachment(person, "csv"))
    if args["download"]:
        response = jsonify(PersonDataSchema().dump(data))
        response.headers.update(_attachment(person, "json"))
        return response
    return data, 200, {"Cache-Control": NO_STORE}


def _attachment(person: str, extension: str) -> dict[str, str]:
    """A file name any system takes: the person id with anything but letters, digits, . _ - replaced."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", person)[:128]
    return {"Content-Disposition": f'attachment; filename="tillit-{safe}.{extension}"',
            "Cache-Control": NO_STORE}


def _audit(who: Principal, person: str, fmt: str) -> None:
    session = state().db.session()
    session.add(PrivacyAudit(who=who.label, person=person, format=fmt))
    session.commit()
