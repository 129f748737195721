"""Publishing to Teams and Slack channels, and outbound webhook subscriptions with their delivery log.

Publishing is guarded like the page it comes from: an award announcement by leaders (or a key
with ``awards:manage``), a trust summary by the ``communications`` role (or a key with
``trust:read``). Subscriptions belong to the API key (with ``webhooks:manage``) that made them, by the
key's id: another key's, even one of the same name, are as unknown as missing ones, and revoking
the key disables them.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask.blueprints import BlueprintSetupState

from engagement.auth import Principal
from engagement.errors import Forbidden
from engagement.schemas.awards import MonthPath
from engagement.schemas.webhooks import (
    AwardPublishBody,
    ChannelNamesSchema,
    DeliveryLogSchema,
    DeliveryQuery,
    MessagePath,
    MessageSchema,
    PublishedSchema,
    SubscriptionBody,
    SubscriptionListSchema,
    SubscriptionPath,
    SubscriptionSchema,
    TrustPublishBody,
)
from engagement.state import state
from engagement.trust import api as trust_pages
from engagement.trust import service as trust
from engagement.web.requests import Blueprint, guarded, leader_or, principal
from engagement.webhooks import publishing
from engagement.webhooks import service as webhooks
from engagement.webhooks.service import Settings

blp = Blueprint("webhooks", __name__)
CHANNEL_REFUSED = {502: {"description": "The channel did not accept the post",
                         "content": {"application/problem+json": {"schema": "Problem"}}}}
SCOPE = "webhooks:manage"


@blp.record_once
def _check_channels(setup: BlueprintSetupState) -> None:
    """A misconfigured channel stops the start, rather than a publish request later."""
    publishing.channels(setup.app.config["ENGAGEMENT_CHAT_CHANNELS"])


def _manager(who: Principal) -> None:
    leader_or(who, "awards:manage")


def _owner(who: Principal) -> None:
    if who.is_user or not who.key_id:
        raise Forbidden(f"Webhook subscriptions are managed with an API key with {SCOPE!r}.")
    who.require(SCOPE)


def _mine() -> str:
    """Whose subscriptions the caller's are: its key's id (key names are not unique)."""
    return webhooks.owner_of(principal().key_id)


def _settings() -> Settings:
    return Settings.from_config(state().config)


def _channels() -> dict[str, publishing.Channel]:
    return publishing.channels(state().config["ENGAGEMENT_CHAT_CHANNELS"])


@blp.route("/v1/awards/announcement/channels")
@guarded(_manager)
@blp.response(200, ChannelNamesSchema)
def announcement_channels():
    """The names of the channels an announcement can be published to (never their addresses)"""
    return {"channels": sorted(_channels())}


@blp.route("/v1/awards/<month>/announcement/publish", methods=["POST"])
@guarded(_manager, 409)
@blp.arguments(MonthPath, location="path")
@blp.arguments(AwardPublishBody)
@blp.response(201, PublishedSchema)
@blp.doc(responses=CHANNEL_REFUSED)
def publish_announcement(_path: dict, body: dict, month: str):
    """Post a finalised month's announcement to a Teams or Slack channel, once per channel

    Only a finalised month (409 before), without anyone who opted out of public lists."""
    st, target = state(), publishing.channel(_channels(), body["channel"])
    session, what = st.db.session(), f"award:{month}"
    if publishing.published_before(session, what, target.name):
        raise publishing.already_published(what, target.name)
    content = publishing.award_post(session, month, body["lang"], st.config["ENGAGEMENT_PUBLIC_RANKING"])
    status = publishing.send(session, target, what, body["lang"], principal().label, content, _settings().timeout,
                             once=True)
    return {"channel": target.name, "kind": target.kind, "what": what, "status": status}


@blp.route("/v1/trust/summary/publish", methods=["POST"])
@guarded(trust_pages._reader)
@blp.arguments(TrustPublishBody)
@blp.response(201, PublishedSchema)
@blp.doc(responses=CHANNEL_REFUSED)
def publish_trust_summary(body: dict):
    """Post the trust report's flagged groups to a Teams or Slack channel (audited as a view)

    Small teams are folded as in the report and never named; only groups shown on their own appear."""
    st, target = state(), publishing.channel(_channels(), body["channel"])
    zone = ZoneInfo(st.config["ENGAGEMENT_TIMEZONE"])
    today = datetime.now(zone).date()
    period = trust.parse_period(body["period"], today)
    session, who = st.db.session(), principal()
    content = publishing.trust_post(session, period, today, zone, st.config["ENGAGEMENT_MIN_GROUP_SIZE"],
                                    st.trust_thresholds, body["lang"])
    publishing.audit_trust(session, who.label, target.name, period.label)
    what = f"trust:{period.label}"
    status = publishing.send(session, target, what, body["lang"], who.label, content, _settings().timeout)
    return {"channel": target.name, "kind": target.kind, "what": what, "status": status}


@blp.route("/v1/webhooks/subscriptions", methods=["POST"])
@guarded(_owner)
@blp.arguments(SubscriptionBody)
@blp.response(201, SubscriptionSchema)
def create_subscription(body: dict):
    """Subscribe an address to public events; the signing secret is answered this once"""
    made = webhooks.create(state().db.session(), principal().key_id, body["url"], body["event_types"],
                           body["description"], _settings())
    return webhooks.as_dict(made, with_secret=True)


@blp.route("/v1/webhooks/subscriptions")
@guarded(_owner)
@blp.response(200, SubscriptionListSchema)
def list_subscriptions():
    """This key's subscriptions (never their secrets)"""
    return {"subscriptions": [webhooks.as_dict(s) for s in webhooks.owned(state().db.session(), _mine())]}


@blp.route("/v1/webhooks/subscriptions/<subscription_id>", methods=["DELETE"])
@guarded(_owner, 404)
@blp.arguments(SubscriptionPath, location="path")
@blp.response(204)
def delete_subscription(_path: dict, subscription_id: str):
    """Delete a subscription with its messages and delivery log"""
    session = state().db.session()
    webhooks.remove(session, webhooks.one(session, _mine(), subscription_id))


@blp.route("/v1/webhooks/subscriptions/<subscription_id>/disable", methods=["POST"])
@guarded(_owner, 404)
@blp.arguments(SubscriptionPath, location="path")
@blp.response(200, SubscriptionSchema)
def disable_subscription(_path: dict, subscription_id: str):
    """Stop sending; what waits is marked failed, the delivery log stays"""
    session = state().db.session()
    found = webhooks.one(session, _mine(), subscription_id)
    webhooks.disable(session, found)
    return webhooks.as_dict(found)


@blp.route("/v1/webhooks/subscriptions/<subscription_id>/deliveries")
@guarded(_owner, 404)
@blp.arguments(SubscriptionPath, location="path")
@blp.arguments(DeliveryQuery, location="query")
@blp.response(200, DeliveryLogSchema)
def deliveries(_path: dict, args: dict, subscription_id: str):
    """The delivery log: the newest messages, each with every attempt (time, outcome, status code, error)"""
    session = state().db.session()
    found = webhooks.one(session, _mine(), subscription_id)
    return {"messages": webhooks.delivery_log(session, found, args["limit"])}


@blp.route("/v1/webhooks/subscriptions/<subscription_id>/deliveries/<message_id>/redeliver", methods=["POST"])
@guarded(_owner, 404, 409)
@blp.arguments(MessagePath, location="path")
@blp.response(202, MessageSchema)
def redeliver(_path: dict, subscription_id: str, message_id: str):
    """Send a message again soon, with the same webhook-id (receivers dedupe by it)"""
    session = state().db.session()
    found = webhooks.one(session, _mine(), subscription_id)
    return webhooks.views(session, [webhooks.redeliver(session, found, message_id)])[0]
