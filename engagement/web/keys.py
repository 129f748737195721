"""API keys from the console: list them with their last use, make one (shown once), revoke one.

Only the operator manages keys: an API key with 'keys:manage' (the first is made with the CLI) or
a user token with the 'admin' role. Leaders and communications staff cannot, so nobody signed in
to the intranet mints themselves an 'events:write' key the operator never gave them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engagement.auth import ADMIN_ROLE, Principal, create_api_key, revoke_api_key
from engagement.errors import EngagementError, Forbidden
from engagement.ledger.model import ApiKey
from engagement.schemas.keys import KeyBody, KeyListSchema, KeyPath, KeySchema
from engagement.state import state
from engagement.web.requests import BODY, Blueprint, guarded

blp = Blueprint("keys", __name__)


def key_manager(who: Principal) -> None:
    if who.is_user and ADMIN_ROLE in who.roles or not who.is_user and "keys:manage" in who.scopes:
        return
    raise Forbidden(f"Managing API keys needs an API key with 'keys:manage' or a user token with the "
                    f"{ADMIN_ROLE!r} role.")


@blp.route("/v1/keys")
@guarded(key_manager)
@blp.response(200, KeyListSchema)
def list_keys():
    """Every API key, newest first: name, prefix, scopes, made, last used, revoked (keys:manage, or admin)"""
    rows = state().db.session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc()))
    return {"keys": [_described(r) for r in rows]}


@blp.route("/v1/keys", methods=["POST"])
@guarded(key_manager, *BODY)
@blp.arguments(KeyBody)
@blp.response(201, KeySchema)
def make_key(fields: dict):
    """Make a key (keys:manage, or admin); the key itself is in this answer only, never again"""
    session = state().db.session()
    key = create_api_key(session, fields["name"], fields["scopes"])
    session.commit()
    row = session.scalars(select(ApiKey).where(ApiKey.prefix == key.split("_")[1])).one()
    return {**_described(row), "key": key}


@blp.route("/v1/keys/<prefix>/revoke", methods=["POST"])
@guarded(key_manager, 404)
@blp.arguments(KeyPath, location="path")
@blp.response(200, KeySchema)
def revoke_key(_path: dict, prefix: str):
    """Revoke a key (keys:manage, or admin); its webhook subscriptions stop too

    It stops at once in this process, and within 2 seconds in every other (engagement.auth's
    KEY_CACHE_SECONDS). Revoking a revoked key answers it as it is."""
    session = state().db.session()
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if row is None:
        raise EngagementError(f"No API key {prefix!r}.", 404, "Not found")
    if row.revoked_at is None:
        revoke_api_key(session, prefix)
        session.commit()
        state().key_cache.forget(row.key_hash)
    return _described(row)


def _described(row: ApiKey) -> dict:
    return {"prefix": row.prefix, "name": row.name, "scopes": row.scopes.split(),
            "created_at": _at(row.created_at), "last_used_at": _at(row.last_used_at),
            "revoked_at": _at(row.revoked_at)}


def _at(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds") + "Z"
