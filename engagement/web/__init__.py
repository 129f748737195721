"""Tillit's HTTP API as one blueprint, made per app so each app's CORS list applies, with
each domain's blueprint (its routes and schemas) nested in it."""
from __future__ import annotations

from typing import Any

from flask import request
from flask_cors import CORS
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, default_exceptions

from engagement.awards import api as awards
from engagement.directory import api as directory
from engagement.directory import scim_api
from engagement.errors import EngagementError
from engagement.ideas import api as campaigns
from engagement.ideas import moderation
from engagement.ledger import api as events
from engagement.lottery import api as lottery
from engagement.notifications import api as notifications
from engagement.privacy import api as privacy
from engagement.profiles import api as profiles
from engagement.pulses import api as pulses
from engagement.pulses import library_api as pulse_library
from engagement.pulses import report_api as pulse_reports
from engagement.recognition import api as recognition
from engagement.trust import api as trust
from engagement.web import health, keys, limits, me, openapi, problems, widgets
from engagement.web.requests import Blueprint
from engagement.webhooks import api as webhooks

DOMAINS = (events, recognition, directory, campaigns, moderation, profiles, awards, lottery, notifications, trust,
           privacy, webhooks, me, keys, widgets, health, scim_api, pulse_library, pulses,
           pulse_reports)


def create_blueprint(config: Any) -> tuple[Blueprint, Any]:
    """The API blueprint, and its rate limiter (to install on the app once the blueprint is in)."""
    bp = Blueprint("engagement", __name__, template_folder="../templates")
    bp.register_error_handler(EngagementError, problems.from_domain_error)
    # By code, not only by class: Flask prefers a host's handler for a code over a
    # blueprint's handler for a class, and the host's HTML pages must not answer our API.
    for code in default_exceptions:
        bp.register_error_handler(code, problems.from_http_exception)
    bp.register_error_handler(HTTPException, problems.from_http_exception)
    bp.register_error_handler(DBAPIError, problems.from_database_error)
    bp.register_error_handler(Exception, problems.from_unexpected)
    max_body = config["ENGAGEMENT_MAX_BODY_BYTES"]

    @bp.before_request
    def _limit_body() -> None:
        request.max_content_length = max_body

    for domain in DOMAINS:
        bp.register_blueprint(domain.blp)
    openapi.register(bp)
    if config["ENGAGEMENT_CORS_ORIGINS"]:
        CORS(bp, origins=config["ENGAGEMENT_CORS_ORIGINS"], allow_headers=["Authorization", "Content-Type"],
             methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"], max_age=600)
    return bp, limits.make_limiter(config, bp)
