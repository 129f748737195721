"""The review queue: reported ideas and contributions, hidden until a moderator decides.

Decisions are events (``content.moderated``, restored or removed) sent with an API key
that has ``moderation:manage``, so replay reproduces them."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import select

from engagement.api.requests import principal
from engagement.extension import state
from engagement.models import AbuseReport, Contribution, Idea


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/v1/moderation/reports", "open_reports", open_reports)


def open_reports():
    """Reports without a decision yet, oldest first, and per reported item how many distinct
    people reported it: items below the hiding threshold stay up, so moderators see them here."""
    principal().require("moderation:manage")
    rows = list(state().db.session.scalars(select(AbuseReport).where(AbuseReport.decision.is_(None))
                                           .order_by(AbuseReport.reported_at)))
    return jsonify({"reports": [{"target": {"kind": r.target_kind, "id": r.target_id}, "reporter": r.reporter,
                                 "reason": r.reason, "reported_at": r.reported_at.isoformat() + "Z"}
                                for r in rows],
                    "items": _items(rows, state().config["ENGAGEMENT_REPORTS_TO_HIDE"])})


def _items(rows: list[AbuseReport], threshold: int) -> list[dict]:
    """Each reported item once: its distinct reporters and whether it is hidden now."""
    reporters: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        reporters.setdefault((r.target_kind, r.target_id), set()).add(r.reporter)
    session = state().db.session
    hidden = {kind: set(session.scalars(select(model.id).where(
        model.id.in_([i for k, i in reporters if k == kind]), model.visibility == "hidden")))
        for kind, model in (("idea", Idea), ("contribution", Contribution))}
    return [{"target": {"kind": kind, "id": target_id}, "reporters": len(people),
             "hidden": target_id in hidden.get(kind, ()), "reports_to_hide": threshold}
            for (kind, target_id), people in reporters.items()]
