"""Every configuration key Tillit reads, declared in one place with its default.

Keys live in the Flask config under the ``ENGAGEMENT_`` prefix, so a host app can
set them like any other Flask setting. Environment variables of the same name
override the defaults; a few conventional names (``KAFKA_BOOTSTRAP_SERVERS``,
``REDIS_URL``, ``DATABASE_URL``) are accepted as aliases because that is what
platform operators already export.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask


@dataclass(frozen=True)
class Setting:
    """One configuration key: its default, how to parse it from text, and what it does."""

    key: str
    default: Any
    parse: Callable[[str], Any]
    help: str
    aliases: tuple[str, ...] = ()


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _bool(text: str) -> bool:
    return text.strip().lower() in {"1", "true", "yes", "on"}


# Below three, a group's numbers are one or two people's own; every team report rests on this floor.
SMALLEST_GROUP = 3


class RefusedSetting(ValueError):
    """Raised at start-up: a setting would break a promise the service makes, so it does not start."""


SCIM_TEAM_SOURCES = ("groups", "department")


def check_scim_teams(value: Any) -> str:
    """ENGAGEMENT_SCIM_TEAMS if it names a source of team placement, else RefusedSetting."""
    if value not in SCIM_TEAM_SOURCES:
        raise RefusedSetting(f"ENGAGEMENT_SCIM_TEAMS is {value!r}; it must be groups or department. "
                             "Tillit will not start.")
    return str(value)


def check_group_size(value: Any) -> int:
    """ENGAGEMENT_MIN_GROUP_SIZE if it keeps single people out of team reports, else RefusedSetting."""
    if isinstance(value, bool) or not isinstance(value, int) or value < SMALLEST_GROUP:
        raise RefusedSetting(f"ENGAGEMENT_MIN_GROUP_SIZE is {value!r}; it must be a whole number of at least "
                             f"{SMALLEST_GROUP} (default 5), or team reports show one or two people's own activity. "
                             "Tillit will not start.")
    return value


def check_dedup_days(value: Any) -> int:
    """ENGAGEMENT_DEDUP_DAYS if it is a whole number of days, at least one, else RefusedSetting."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise RefusedSetting(f"ENGAGEMENT_DEDUP_DAYS is {value!r}; it must be a whole number of days, at least 1 "
                             "(default 7): a client's retry must count once.")
    return value


SETTINGS: tuple[Setting, ...] = (
    Setting("ENGAGEMENT_DATABASE_URL", None, str,
            "SQLAlchemy URL. Unset: a SQLite file in the instance folder.", ("DATABASE_URL",)),
    Setting("ENGAGEMENT_KAFKA_BOOTSTRAP_SERVERS", None, str,
            "Kafka brokers (host:port,...). Unset: the embedded event bus.",
            ("KAFKA_BOOTSTRAP_SERVERS",)),
    Setting("ENGAGEMENT_REDIS_URL", None, str,
            "Redis URL: the cache of counts and top lists that every process shares. Unset: no cache; "
            "counts and top lists are read from the database, so every process sees the same.", ("REDIS_URL",)),
    Setting("ENGAGEMENT_REDIS_PREFIX", "tillit:", str, "Prefix of every Redis key Tillit writes."),
    Setting("ENGAGEMENT_KAFKA_TOPIC", "engagement.events", str, "Topic all events go to."),
    Setting("ENGAGEMENT_KAFKA_PARTITIONS", 6, int, "Partitions when the topic is created."),
    Setting("ENGAGEMENT_KAFKA_REPLICATION", 1, int, "Replication factor when the topic is created."),
    Setting("ENGAGEMENT_KAFKA_PUBLISH_TIMEOUT", 5.0, float,
            "Seconds to wait for the broker's acknowledgement before answering 503."),
    Setting("ENGAGEMENT_KAFKA_LINGER_MS", 2, int, "Producer linger; small batches of concurrent requests."),
    Setting("ENGAGEMENT_KAFKA_PRODUCER", "kafka-python", str,
            "The API's Kafka producer: kafka-python, or confluent-kafka (librdkafka, `pip install "
            "'tillit[rdkafka]'`), which spends less of the API's CPU per event; same acknowledgements."),
    Setting("ENGAGEMENT_KAFKA_SESSION_TIMEOUT_MS", 10000, int, "Consumer group session timeout."),
    Setting("ENGAGEMENT_KAFKA_HEARTBEAT_MS", 1000, int, "Consumer group heartbeat interval."),
    Setting("ENGAGEMENT_KAFKA_FETCH_MAX_WAIT_MS", 50, int,
            "Longest a consumer's fetch waits for new records: bounds the delay to a visible count."),
    Setting("ENGAGEMENT_KAFKA_FETCH_MIN_BYTES", 65536, int,
            "Bytes a fetch waits for (up to the longest wait above), so a consumer that keeps up "
            "asks the broker for a batch every wait, not for each record as it arrives."),
    Setting("ENGAGEMENT_KAFKA_MAX_POLL_INTERVAL_MS", 60000, int,
            "Longest time between two polls; a consumer's batch stops at a fraction of it "
            "(ENGAGEMENT_BATCH_DEADLINE_SHARE), commits what it applied and polls again, so it stays in its group."),
    Setting("ENGAGEMENT_BATCH_DEADLINE_SHARE", 0.5, float,
            "Share of the poll interval one consumer batch may take before it stops and polls again."),
    Setting("ENGAGEMENT_KAFKA_COMMIT_INTERVAL", 1.0, float,
            "Seconds between a consumer's offset commits to the broker (advisory: the database's "
            "tracking record is what counts), so a consumer that keeps up does not commit per record."),
    Setting("ENGAGEMENT_EVENT_LOG", None, str,
            "Embedded bus log file. Unset: events.sqlite3 in the instance folder."),
    Setting("ENGAGEMENT_TOKEN_SECRET", None, str,
            "Shared secret (HS256) the intranet back end signs user tokens with: at least 32 random characters; "
            "start-up refuses an empty, short, well-known or repetitive one. Unset: a random one kept in the instance "
            "folder (one machine only). It also signs the digests' unsubscribe links."),
    Setting("ENGAGEMENT_HS256_TOKENS", True, _bool,
            "Take user tokens signed with ENGAGEMENT_TOKEN_SECRET. off: only tokens of ENGAGEMENT_OIDC_ISSUERS "
            "sign people in (start-up refuses off with no issuer, or with the demo on, and any value but on/off, "
            "true/false, yes/no, 1/0)."),
    Setting("ENGAGEMENT_TOKEN_MAX_AGE", 3600, int,
            "Longest lifetime in seconds an HS256 user token may have (an OpenID Connect issuer's tokens "
            "live as long as the issuer says)."),
    Setting("ENGAGEMENT_OIDC_ISSUERS", [], str,
            "JSON list of OpenID Connect issuers whose access or ID tokens sign people in, e.g. "
            '`[{"issuer": "ISSUER-URL", "audience": "API-CLIENT-ID", '
            '"person_claim": "oid", "roles": {"leader": ["Tillit.Leader"]}, '
            '"groups": {"communications": ["GROUP-ID"]}}]`; keys: issuer, audience (one or a list), '
            "algorithms (default RS256), jwks_uri (default: discovery), person_claim (default sub), lowercase, "
            "strip_domain (needs allowed_domains), allowed_domains, person_prefix, required_scope, "
            "roles_claim (roles), groups_claim (groups; a dotted path reaches nested claims), roles "
            "and groups (Tillit role to the provider's app roles or group ids/names). Start-up refuses bad JSON or "
            "fields. Unset: HS256 tokens only. See docs/connect."),
    Setting("ENGAGEMENT_CORS_ORIGINS", [], _csv, "Intranet origins allowed to call the API from a browser."),
    Setting("ENGAGEMENT_URL_PREFIX", "", str, "Where the API is mounted, e.g. /engagement."),
    Setting("ENGAGEMENT_MAX_BATCH", 500, int, "Most events in one batch request."),
    Setting("ENGAGEMENT_MAX_BODY_BYTES", 1_048_576, int, "Largest request body in bytes."),
    Setting("ENGAGEMENT_MAX_CLOCK_SKEW", 300, int, "Seconds an event's time may lie in the future."),
    Setting("ENGAGEMENT_CONSUMERS", "in-process", str,
            "Where the read models are applied: `in-process` (threads in every web process, started on its first "
            "request or by `engagement serve`; on the embedded bus one process of the machine applies them at a "
            "time) or `external` (`engagement consume` runs them; `/readyz` then reports whether one does)."),
    Setting("ENGAGEMENT_RUN_CONSUMERS", None, _bool,
            "Older name: `false` means ENGAGEMENT_CONSUMERS=external, `true` in-process."),
    Setting("ENGAGEMENT_EDIT_WINDOW", 900, int,
            "Seconds after the service received an idea or contribution in which its author may edit "
            "it, counted to when the service receives the edit (never the client's `time`)."),
    Setting("ENGAGEMENT_REPORTS_TO_HIDE", 3, int,
            "Distinct people whose reports hide an idea or contribution until a moderator decides; "
            "items with fewer reports stay up and wait in the moderation queue."),
    Setting("ENGAGEMENT_PROFILE_CHECKLIST", None, str,
            "JSON file with the profile checklist (field, weight, labels in nb/nn/da/en; weights sum "
            "to 100). Unset: photo, title, about, skills, languages, location, ask me about."),
    Setting("ENGAGEMENT_MIN_GROUP_SIZE", 5, int,
            f"Smallest group any team report shows on its own; start-up refuses less than {SMALLEST_GROUP}."),
    Setting("ENGAGEMENT_PULSE_SWEEP_SECONDS", 300.0, float,
            "How often the in-process workers publish the answers of pulses that have closed (they wait "
            "until the close; engagement pulses release does it once, from cron, when the consumers run apart)."),
    Setting("ENGAGEMENT_SCIM_TEAMS", "groups", check_scim_teams,
            "What places a person provisioned over SCIM in a team: groups (a SCIM Group is a team and its "
            "members are in it) or department (the enterprise department names the team)."),
    Setting("ENGAGEMENT_TIMEZONE", "Europe/Oslo", str, "The organisation's time zone: award months follow it."),
    Setting("ENGAGEMENT_AWARD_POINTS", {}, json.loads,
            'JSON points per contribution type, e.g. {"content.published": 5}; others keep their defaults.'),
    Setting("ENGAGEMENT_LOTTERY_TICKETS", {}, json.loads,
            'JSON lottery ticket rule, e.g. {"cap": 3}: base (tickets for contributing at all, 1), '
            "recognisers_per_ticket (one-way recognisers per extra ticket, 2), idea_owners_per_ticket "
            "(colleagues whose ideas one built on per extra ticket, 2), cap (most tickets a month, 5)."),
    Setting("ENGAGEMENT_PUBLIC_RANKING", "opt-out", str,
            "opt-out: everyone appears in public top lists unless they opted out; opt-in: only those who opted in."),
    Setting("ENGAGEMENT_DEMO", False, _bool,
            "Serve the demo intranet at /demo, /demo/awards and /demo/trust (as `engagement serve --demo`): "
            "it mints tokens for made-up users for anyone who opens it and loads a made-up organisation, "
            "only into a database it has to itself. Never in production; off: /demo is a 404."),
    Setting("ENGAGEMENT_CONSUMER_BATCH", 500, int, "Most events a consumer applies in one transaction."),
    Setting("ENGAGEMENT_READY_MAX_LAG", None, int,
            "Records a read model may be behind the bus while `/readyz` says ready (after an upgrade or a "
            "restore, a load balancer then waits until the counts have caught up). Unset: lag does not count."),
    Setting("ENGAGEMENT_TRUST_THRESHOLDS", {}, json.loads,
            'JSON thresholds of the trust report\'s flags, e.g. {"silo": {"below": 0.15}}; '
            "others keep their defaults."),
    Setting("ENGAGEMENT_RATE_LIMIT_KEY", "200 per second", str,
            "Writes one API key may make (Flask-Limiter syntax, e.g. 50 per second); off: no limit."),
    Setting("ENGAGEMENT_RATE_LIMIT_USER", "120 per minute", str,
            "Writes one person's token may make; off: no limit."),
    Setting("ENGAGEMENT_SMTP_HOST", None, str,
            "SMTP server for e-mail digests. Unset: no e-mail (the in-app feed only)."),
    Setting("ENGAGEMENT_SMTP_PORT", 587, int, "SMTP port."),
    Setting("ENGAGEMENT_SMTP_TLS", "starttls", str,
            "starttls, ssl (implicit TLS, port 465) or none (a relay on localhost)."),
    Setting("ENGAGEMENT_SMTP_USER", None, str, "SMTP user name, if the server wants a login."),
    Setting("ENGAGEMENT_SMTP_PASSWORD", None, str, "SMTP password."),
    Setting("ENGAGEMENT_SMTP_TIMEOUT", 30.0, float, "Seconds to wait for the SMTP server before trying again later."),
    Setting("ENGAGEMENT_MAIL_FROM", "Tillit <tillit@localhost>", str, "Sender of the digests."),
    Setting("ENGAGEMENT_PUBLIC_URL", "http://127.0.0.1:8080", str,
            "Where people reach Tillit from their mail client: the unsubscribe links start here."),
    Setting("ENGAGEMENT_UNSUBSCRIBE_DAYS", 60, int,
            "Days the unsubscribe link in a digest keeps working; a person who turns e-mail on again "
            "or revokes their links (POST /v1/notifications/unsubscribe/revoke) ends every older link at once."),
    Setting("ENGAGEMENT_INTRANET_URL", None, str, "A link in each digest to the intranet page with the feed."),
    Setting("ENGAGEMENT_DIGEST_HOUR", 8, int, "Local hour from which daily and weekly (Monday) digests go out."),
    Setting("ENGAGEMENT_WARNING_RECIPIENTS", [], _csv,
            "Who gets the weekly early warnings by e-mail: directory person ids (their address and locale) "
            "or e-mail addresses (in ENGAGEMENT_WARNING_LANG), comma-separated. Unset: no e-mail."),
    Setting("ENGAGEMENT_WARNING_CHANNEL", None, str,
            "A channel of ENGAGEMENT_CHAT_CHANNELS the weekly early warnings are posted to. Unset: none."),
    Setting("ENGAGEMENT_WARNING_LANG", "nb", str,
            "Language (nb, nn, da, en) of the early warnings' channel post and of recipients given by address."),
    Setting("ENGAGEMENT_WARNING_WEEKDAY", 1, int,
            "Day of the week (1 Monday to 7 Sunday, in ENGAGEMENT_TIMEZONE) the early warnings go out."),
    Setting("ENGAGEMENT_WARNING_HOUR", 8, int, "Local hour from which the weekly early warnings go out that day."),
    Setting("ENGAGEMENT_WARNING_DROP", 0.5, float,
            "How far a statement's mean (1-5) must fall between a group's last two pulses to be an early warning."),
    Setting("ENGAGEMENT_RETENTION_DAYS", None, int,
            "Days raw events stay in the ledger; `engagement retention` deletes older ones once every read "
            "model has applied them. Unset: kept for ever."),
    Setting("ENGAGEMENT_DEDUP_DAYS", 7, lambda text: check_dedup_days(int(text)),
            "Days a read model remembers the id of an event it applied, so the same id sent again counts once; "
            "a duplicate that comes later counts again. Longer than any sender retries: widgets retry at once, an "
            "intranet back end's queue may retry after a long weekend's outage. Redelivery from the broker is caught "
            "at any age (the tracking record). The consumers forget older ids every hour; `engagement prune` now."),
    Setting("ENGAGEMENT_CHAT_CHANNELS", {}, json.loads,
            'Teams and Slack channels leaders may publish to, as JSON: {"name": {"kind": "teams" or "slack", '
            '"url": "the channel\'s webhook address"}}. The addresses are secrets: the API names channels only.'),
    Setting("ENGAGEMENT_WEBHOOK_TIMEOUT", 10.0, float,
            "Seconds an outbound webhook or chat post may take before it counts as failed."),
    Setting("ENGAGEMENT_WEBHOOK_MAX_ATTEMPTS", 8, int,
            "Attempts at delivering a webhook message before it is marked failed."),
    Setting("ENGAGEMENT_WEBHOOK_BACKOFF", 30.0, float,
            "Seconds before the first retry of a webhook message; each retry waits up to twice as long, with jitter."),
    Setting("ENGAGEMENT_WEBHOOK_BACKOFF_CAP", 3600.0, float, "The longest wait between two attempts, in seconds."),
    Setting("ENGAGEMENT_WEBHOOK_ALLOWED_HOSTS", [], _csv,
            "If set, the only hosts webhook subscriptions may send to (comma-separated; *.example allows subdomains)."),
    Setting("ENGAGEMENT_WEBHOOK_ALLOW_PRIVATE", False, _bool,
            "Allow webhook addresses on loopback and private networks, on any port (off: only public addresses "
            "on ports 80 and 443, against SSRF)."),
    Setting("ENGAGEMENT_WEBHOOK_KEEP_DAYS", 30, int,
            "Days delivered and failed webhook messages and their delivery log are kept; older events are not sent."),
)


def load_defaults(app: Flask) -> None:
    """Fill the app config from the environment, then from the declared defaults."""
    for setting in SETTINGS:
        if setting.key in app.config:
            continue
        raw = _from_environment(setting)
        app.config.setdefault(setting.key, setting.default if raw is None else setting.parse(raw))


def _from_environment(setting: Setting) -> str | None:
    for name in (setting.key, *setting.aliases):
        value = os.environ.get(name)
        if value not in (None, ""):
            return value
    return None


def uses_kafka(config: dict) -> bool:
    return bool(config.get("ENGAGEMENT_KAFKA_BOOTSTRAP_SERVERS"))


CONSUMER_MODES = ("in-process", "external")


def consumers_mode(config: Any) -> str:
    """Where the read models run: ENGAGEMENT_CONSUMERS, or the older ENGAGEMENT_RUN_CONSUMERS when
    it is set. Anything else stops start-up: a typo must not leave the counts standing still."""
    older = config.get("ENGAGEMENT_RUN_CONSUMERS")
    mode = config.get("ENGAGEMENT_CONSUMERS") or "in-process"
    if older is not None:
        mode = "in-process" if older else "external"
    if mode not in CONSUMER_MODES:
        raise RefusedSetting(f"ENGAGEMENT_CONSUMERS is {mode!r}; it must be in-process or external.")
    return mode


def settings_table() -> str:
    """The documentation's configuration table, generated so it never drifts from the code.

    docs/hooks.py puts it into docs/configuration.md at every ``mkdocs build``.
    """
    rows = ["| Variable | Default | Meaning |", "| --- | --- | --- |"]
    for s in SETTINGS:
        alias = f" (or `{'`, `'.join(s.aliases)}`)" if s.aliases else ""
        rows.append(f"| `{s.key}`{alias} | `{s.default!r}` | {s.help} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(settings_table())  # what the docs' configuration page shows, for a quick look
