"""What Tillit holds about people: every table and column with a person id or personal data.

This is the one list behind erasure (:mod:`engagement.privacy.erasure`), retention
(:mod:`engagement.privacy.retention`) and the export of what Tillit knows about a person
(:mod:`engagement.privacy.export`); the docs render it for the data protection officer and the
employee representatives. ``tests/unit/test_data_inventory.py`` fails when a table or a text
column appears (in the models or in a migration) that is neither listed here nor declared free of
personal data in :data:`NO_PERSONAL_DATA` / :data:`NOT_PERSONAL`, so nothing new slips past.
A month's lottery draw freezes everyone's tickets (engagement/lottery/); a person is
shown only their own. Pulse answers are listed among
the tables without a person: an answer is stored with its pulse, team and wording only, and that
someone answered is kept apart without a time (engagement/pulses/service.py). Outside the
database, the bus holds the same raw events as ``engagement_ledger`` (the embedded log is rewritten
by erasure and pruned by retention; Kafka's topic keeps them for its ``retention.ms``), and Redis
holds counters and top lists rebuilt from these tables.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from engagement.awards.scoring import PERSON_FACETS
from engagement.privacy import shared_rows
from engagement.privacy.shared_rows import Rule


class Form(StrEnum):
    """How a person appears in a column; erasure and export find (and rename) them by it."""

    ID = "id"  # the person's id itself ("kari")
    REF = "ref"  # "person:kari" (a Bra! given to a person), or a subject "person:kari@2026-10"
    LABEL = "label"  # "user:kari" (who did something, as Principal.label writes it)
    TARGET = "target"  # a (kind, id) pair whose kind is "person": the column is the id, ``target_kind`` the kind
    KEY = "key"  # a generic key that holds a person id only for some rows (award tallies' person facets)
    JSON = "json"  # inside a JSON document (notification actors, award snapshots, ledger data, wire forms)
    TEXT = "text"  # personal data that is not an id: name, e-mail, profile values, free text
    EVENT_ID = "event_id"  # an event id, naming the person when in their id space (~kari~...) or derived from them


@dataclass(frozen=True)
class Column:
    name: str
    form: Form
    note: str = ""


@dataclass(frozen=True)
class Table:
    table: str
    domain: str
    columns: tuple[Column, ...]
    purpose: str
    legal_basis: str
    retention: str
    on_erasure: str
    # What a person found in a row is shown of it, where a row is someone else's too (None: all of it).
    shown: Rule | None = None

    def of(self, *forms: Form) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.form in forms)


# The key facets of the award tallies whose key is a person id (Form.KEY).
KEY_FACET_COLUMN, KEY_FACETS = "facet", PERSON_FACETS
# The column a TARGET id is paired with.
TARGET_KIND_COLUMN = "target_kind"

ENGAGEMENT = "legitimate interest (GDPR art. 6(1)(f)): the intranet's engagement features"
CONTROL = ("legitimate interest (GDPR art. 6(1)(f)), as a control measure discussed with the employee "
           "representatives beforehand (Norwegian Working Environment Act ch. 9; notified under the Danish "
           "agreement on control measures)")
ACCOUNTABILITY = "legitimate interest (GDPR art. 6(1)(f)): accountability for who read or decided what"
OPERATION = "legitimate interest (GDPR art. 6(1)(f)): running the service reliably"

# How long: the ledger's raw events expire (retention.py prunes the tables with LEDGER_RETENTION), and
# claimed event ids (engagement/ledger/pruning.py); the rest leaves by erasure.
LEDGER_RETENTION = ("ENGAGEMENT_RETENTION_DAYS days: `engagement retention` deletes older raw events once every "
                    "read model has applied them; unset, kept for ever")
KEPT = "kept while Tillit runs (ENGAGEMENT_RETENTION_DAYS does not shorten it)"
READ_MODEL = KEPT + "; rebuilt from the ledger by a replay"
UNTIL_ERASURE = KEPT
PEOPLE = KEPT + "; a person the directory sync no longer lists is marked inactive"
MAIL = KEPT + " as the record of mail sent"
PARKED = "until the event it waits for is applied, or its read model is replayed"
CLAIMS = ("ENGAGEMENT_DEDUP_DAYS days (7) after its read model applied the event (the consumers and "
          "`engagement prune` forget older ones), longer while the event waits parked; a replay claims again")
DEAD = KEPT + ", until an operator deletes the dead letter"

PSEUDONYMISE = "pseudonymise: the person's id is replaced by one random pseudonym"
DELETE = "delete rows"
KEEP_TEXT = "; free texts people wrote are content and are kept"


def _cols(form: Form, *names: str, note: str = "") -> tuple[Column, ...]:
    return tuple(Column(name, form, note) for name in names)


ID, REF, LABEL, TARGET, KEY, JSON, TEXT, EVENT = (Form.ID, Form.REF, Form.LABEL, Form.TARGET, Form.KEY,
                                                  Form.JSON, Form.TEXT, Form.EVENT_ID)
TARGET_NOTE = "the target's id; a person when target_kind is person"


def _t(table: str, domain: str, columns: tuple[Column, ...], purpose: str, legal_basis: str = ENGAGEMENT,
       retention: str = READ_MODEL, on_erasure: str = PSEUDONYMISE, shown: Rule | None = None) -> Table:
    return Table(table, domain, columns, purpose, legal_basis, retention, on_erasure, shown)


INVENTORY: tuple[Table, ...] = (
    _t("engagement_ledger", "ledger",
       _cols(ID, "actor", "target_owner") + _cols(TARGET, "target_id", note=TARGET_NOTE)
       + _cols(LABEL, "submitted_by") + _cols(JSON, "data", note="kudos about a person, credited people, "
                                                                 "profile values")
       + _cols(EVENT, "event_id"),
       "every raw event (who did what, when, to what), the source every read model is built from",
       retention=LEDGER_RETENTION,
       on_erasure=PSEUDONYMISE + "; the person's profile values are replaced by a placeholder" + KEEP_TEXT,
       shown=shared_rows.reports_as_the_reporter_or_owner_sees_them),
    _t("engagement_processed_events", "ledger", _cols(EVENT, "event_id"),
       "which events a read model has applied, so none is applied twice", OPERATION, CLAIMS),
    _t("engagement_dead_letters", "ledger", _cols(EVENT, "event_id") + _cols(JSON, "payload", note="wire form"),
       "events a read model could not apply, kept for an operator", OPERATION, DEAD,
       shown=shared_rows.reports_in_wire_form_to_the_reporter),
    _t("engagement_parked_events", "ledger",
       _cols(EVENT, "event_id") + _cols(REF, "waits_for") + _cols(JSON, "payload", note="wire form"),
       "events waiting for what they build on", OPERATION, PARKED,
       shown=shared_rows.reports_in_wire_form_to_the_reporter),
    _t("engagement_like_states", "recognition",
       _cols(ID, "person") + _cols(TARGET, "target_id", note=TARGET_NOTE) + _cols(EVENT, "event_id"),
       "who likes what (a like can be taken back)"),
    _t("engagement_target_stats", "recognition", _cols(ID, "owner") + _cols(TARGET, "target_id", note=TARGET_NOTE),
       "likes, comments and Bra! per thing, and whose it is"),
    _t("engagement_person_recognition", "recognition", _cols(ID, "person"),
       "recognition a person gave and received, per kind"),
    _t("engagement_recognition_pairs", "recognition", _cols(ID, "person", "colleague"),
       "who recognised whom (for the colleagues count)"),
    _t("engagement_kudos_firsts", "recognition",
       _cols(ID, "giver", "recipient") + _cols(REF, "subject", note="the person and month: person:kari@2026-10")
       + _cols(REF, "about") + _cols(EVENT, "event_id"),
       "the first Bra! a person gave about a subject (a Bra! counts once)"),
    _t("engagement_memberships", "directory", _cols(ID, "person_id"),
       "which team a person belonged to when (team sums over time)", retention=UNTIL_ERASURE),
    _t("engagement_people", "directory",
       _cols(ID, "id") + _cols(TEXT, "name", "email", note="from the directory sync"),
       "the directory: name, e-mail, team, role, language and leaderboard choices",
       retention=PEOPLE, on_erasure=DELETE),
    _t("engagement_managers", "directory", _cols(ID, "person_id", "manager_id"),
       "who managed whom when (from the directory sync or SCIM)", retention=UNTIL_ERASURE),
    _t("engagement_scim_users", "directory",
       _cols(ID, "person_id") + _cols(TEXT, "user_name", "user_name_key", "external_id",
                                      note="the identity provider's user name and id")
       + _cols(TEXT, "attributes", note="name parts, display name and e-mails as SCIM sent them (JSON)"),
       "what Entra ID or Okta calls a person it provisions over SCIM", retention=PEOPLE, on_erasure=DELETE),
    _t("engagement_campaigns", "ideas", _cols(ID, "owner") + _cols(TEXT, "question", "description"),
       "idea campaigns and who runs them", on_erasure=PSEUDONYMISE + KEEP_TEXT),
    _t("engagement_ideas", "ideas",
       _cols(ID, "author", "answered_by") + _cols(TEXT, "title", "text", "answer", note="written by people"),
       "ideas, who wrote them and who answered", on_erasure=PSEUDONYMISE + KEEP_TEXT),
    _t("engagement_contributions", "ideas", _cols(ID, "author") + _cols(TEXT, "text", note="written by a person"),
       "contributions that develop an idea", on_erasure=PSEUDONYMISE + KEEP_TEXT),
    _t("engagement_abuse_reports", "ideas",
       _cols(ID, "reporter") + _cols(TARGET, "target_id", note=TARGET_NOTE) + _cols(TEXT, "reason")
       + _cols(EVENT, "event_id"),
       "reports of abusive content and their decision", on_erasure=PSEUDONYMISE + KEEP_TEXT,
       shown=shared_rows.reports_to_the_reporter),
    _t("engagement_idea_credits", "ideas", _cols(ID, "person"), "who is credited for an idea (author, contributor)"),
    _t("engagement_profile_fields", "profiles", _cols(ID, "person"),
       "which profile fields a person has filled (not their values)"),
    _t("engagement_profile_completion", "profiles", _cols(ID, "person"), "how complete a person's profile is"),
    _t("engagement_profile_milestones", "profiles", _cols(ID, "person"), "when a profile became complete"),
    _t("engagement_award_credits", "awards",
       _cols(ID, "person", "colleague") + _cols(REF, "ref")
       + _cols(EVENT, "event_id", note="a recognition credit's key is the event id + ':r'"),
       "what counts towards a person's monthly award (recognition, contributions)"),
    _t("engagement_award_tallies", "awards",
       _cols(ID, "person") + _cols(KEY, "key", note="a person id when facet is colleague, "
                                                    "on_contribution or idea_owner"),
       "per person and month, whom and what their recognition came from"),
    _t("engagement_award_summaries", "awards", _cols(ID, "person"), "per person and month, award sums"),
    _t("engagement_award_likes", "awards", _cols(ID, "liker") + _cols(REF, "ref") + _cols(EVENT, "event_id"),
       "likes that count towards awards"),
    _t("engagement_award_scores", "awards", _cols(ID, "person"), "per person, month and category, the award score"),
    _t("engagement_award_snapshots", "awards",
       _cols(LABEL, "finalised_by") + _cols(JSON, "result", note="winners by id and name"),
       "a month's frozen award result and who finalised it", retention=UNTIL_ERASURE,
       on_erasure=PSEUDONYMISE + ", in the frozen result the person's name too"),
    _t("engagement_lottery_draws", "lottery",
       _cols(LABEL, "drawn_by") + _cols(JSON, "entries", note="each person's tickets in the month, frozen at the draw")
       + _cols(JSON, "winners", note="the winners by id"),
       "a month's lottery draw: its frozen ticket list (only each person's own is ever shown) and winners",
       retention=UNTIL_ERASURE, on_erasure=PSEUDONYMISE + "; the month's published digest then no longer "
       "matches its list", shown=shared_rows.own_tickets_of_a_draw),
    _t("engagement_lottery_tickets", "lottery", _cols(ID, "person"),
       "per person and ended month, the lottery tickets they earned, frozen (only they see them)",
       retention=UNTIL_ERASURE),
    _t("engagement_lottery_exclusions", "lottery", _cols(ID, "person") + _cols(LABEL, "added_by")
       + _cols(TEXT, "reason", note="why, as a leader wrote it"),
       "people leaders leave out of every lottery draw", retention=UNTIL_ERASURE, on_erasure=DELETE),
    _t("engagement_trust_activity", "trust", _cols(ID, "person"),
       "per person and day, activity counts behind the team trust report (never shown per person)", CONTROL),
    _t("engagement_trust_contributions", "trust", _cols(ID, "person") + _cols(REF, "ref"),
       "contributions and whether they were recognised, for the team trust report", CONTROL),
    _t("engagement_trust_audit", "trust", _cols(LABEL, "who"),
       "who read which team's trust report when", ACCOUNTABILITY, UNTIL_ERASURE),
    _t("engagement_privacy_audit", "privacy", _cols(ID, "person") + _cols(LABEL, "who"),
       "whose data the data protection officer read when, and in which format (access requests)",
       ACCOUNTABILITY, UNTIL_ERASURE),
    _t("engagement_notifications", "notifications",
       _cols(ID, "person") + _cols(REF, "ref")
       + _cols(JSON, "actors", note="who liked or answered, and a Bra!'s personal message"),
       "a person's notifications, grouped per thing and day",
       shown=shared_rows.own_entries_of_others_notifications),
    _t("engagement_notify_likes", "notifications", _cols(ID, "liker") + _cols(REF, "ref") + _cols(EVENT, "event_id"),
       "likes that notify the owner of a thing"),
    _t("engagement_notify_idea_people", "notifications", _cols(ID, "person"),
       "who built on an idea (notified when it is answered)"),
    _t("engagement_notification_marks", "notifications", _cols(ID, "person") + _cols(REF, "ref"),
       "what a person has seen and been mailed"),
    _t("engagement_notify_preferences", "notifications", _cols(ID, "person"),
       "a person's digest and quiet-hours choices", retention=UNTIL_ERASURE),
    _t("engagement_mail_outbox", "notifications",
       _cols(ID, "person") + _cols(TEXT, "address", "subject", "text", "html", "unsubscribe_url",
                                   note="a mail to the person, naming others"),
       "digest and early-warning mails to a person and whether they were sent", retention=MAIL, on_erasure=DELETE),
    _t("engagement_pulses", "pulses", _cols(ID, "created_by") + _cols(TEXT, "title", note="written by staff"),
       "pulse surveys and who set them up", ACCOUNTABILITY, UNTIL_ERASURE, PSEUDONYMISE + KEEP_TEXT),
    _t("engagement_pulse_participation", "pulses", _cols(ID, "person_id"),
       "that a person has answered a pulse (never what, nor when), so nobody answers twice",
       retention=UNTIL_ERASURE, on_erasure=DELETE),
    _t("engagement_pulse_comments", "pulses",
       _cols(TEXT, "text", note="a comment someone wrote beside a pulse answer; the row names no person"),
       "comments written beside pulse answers (pulses with free text on), shown in leaders' reports",
       on_erasure="kept: no row names who wrote it, so none can be found for a person" + KEEP_TEXT),
    _t("engagement_target_owners", "ownership",
       _cols(ID, "owner") + _cols(TARGET, "target_id", note=TARGET_NOTE) + _cols(EVENT, "event_id"),
       "whose each thing is (to credit its owner)"),
    _t("engagement_owner_waiting", "ownership",
       _cols(ID, "actor") + _cols(TARGET, "target_id", note=TARGET_NOTE) + _cols(EVENT, "event_id"),
       "events that wait to learn whose a thing is", OPERATION, PARKED),
    _t("engagement_webhook_messages", "webhooks",
       _cols(ID, "actor", "subject", note="the giver and recipient a public kudos.given message names")
       + _cols(TEXT, "body", note="the message as sent: public kudos (ids and names); an award "
                "message holds its month only, its winners are read when it is sent")
       + _cols(EVENT, "event_id"),
       "outbound webhook messages to an intranet and whether they were delivered",
       OPERATION, "ENGAGEMENT_WEBHOOK_KEEP_DAYS days after delivery or failure", DELETE),
    _t("engagement_chat_publications", "webhooks", _cols(LABEL, "by"),
       "who published an award announcement or trust summary to which chat channel", ACCOUNTABILITY,
       UNTIL_ERASURE),
)

# Tables checked and found to hold nothing about a person.
NO_PERSONAL_DATA: frozenset[str] = frozenset({
    "engagement_alembic_version",  # the schema's revision (created by the migrations)
    "engagement_teams", "engagement_team_tree", "engagement_team_recognition",  # teams, not people
    "engagement_directory_version",  # a number that changes with the memberships
    "engagement_scim_groups",  # the SCIM ids and times of teams
    "engagement_api_keys",  # keys of integrations (a key's name names a system)
    "engagement_consumer_positions", "engagement_retention",  # offsets and the retention horizon
    "engagement_consumer_heartbeats",  # which process applies which read model, and when it last said so
    "engagement_award_ideas", "engagement_trust_ideas",  # per idea, no person
    "engagement_lottery_commitments",  # a month's sealed seed and its hash
    "engagement_notify_titles",  # titles of articles and ideas for notifications (never of a person)
    "engagement_early_warnings",  # a week's note: the flags of shown groups (team ids), counts, the post's outcome
    "engagement_pulse_outbox", "engagement_pulse_tallies",  # answers by team and wording, no person, no time
    "engagement_pulse_respondents",  # how many answered, per team and wording
    "engagement_webhook_subscriptions",  # an integration's address, secret and event types (owned by a key)
    "engagement_webhook_attempts",  # outcome, status code and error of each delivery attempt
})

# Text and JSON columns of inventoried tables that hold no person id and no personal data.
NOT_PERSONAL: dict[str, frozenset[str]] = {name: frozenset(cols) for name, cols in {
    "engagement_ledger": {"type", "target_kind", "source", "topic"},
    "engagement_processed_events": {"consumer"},
    "engagement_dead_letters": {"consumer", "topic", "reason"},
    "engagement_parked_events": {"consumer"},
    "engagement_like_states": {"target_kind"},
    "engagement_target_stats": {"target_kind"},
    "engagement_person_recognition": {"kind"},
    "engagement_recognition_pairs": set(),
    "engagement_kudos_firsts": {"model"},
    "engagement_memberships": {"team_id"},
    "engagement_people": {"team_id", "role", "locale", "department"},
    "engagement_managers": set(),
    "engagement_campaigns": {"id", "team_id", "status"},
    "engagement_pulses": {"id", "units", "statements"},
    "engagement_pulse_participation": {"pulse_id", "team_id", "wording"},
    "engagement_pulse_comments": {"id", "pulse_id", "team_id", "wording"},
    "engagement_ideas": {"id", "campaign_id", "status", "visibility"},
    "engagement_contributions": {"id", "idea_id", "visibility"},
    "engagement_abuse_reports": {"target_kind", "decision"},
    "engagement_idea_credits": {"idea_id", "role"},
    "engagement_profile_fields": {"field"},
    "engagement_profile_completion": set(),
    "engagement_profile_milestones": set(),
    "engagement_award_credits": {"month", "kind", "action", "person_team", "colleague_team"},
    "engagement_award_tallies": {"month", "facet"},
    "engagement_award_summaries": {"month"},
    "engagement_award_likes": set(),
    "engagement_award_scores": {"month", "category", "facts"},  # facts: counts behind a score
    "engagement_award_snapshots": {"month", "cutoff"},  # cutoff: ledger offsets
    "engagement_lottery_draws": {"month", "seed", "digest"},
    "engagement_lottery_tickets": {"month", "why_not"},
    "engagement_lottery_exclusions": set(),
    "engagement_trust_activity": {"team_id"},
    "engagement_trust_contributions": {"team_id"},
    "engagement_trust_audit": {"unit", "view", "period"},
    "engagement_privacy_audit": {"format"},
    "engagement_notifications": {"kind"},
    "engagement_notify_likes": set(),
    "engagement_notify_idea_people": {"idea_ref"},
    "engagement_notification_marks": {"kind"},
    "engagement_notify_preferences": {"digest", "quiet_start", "quiet_end"},
    "engagement_mail_outbox": {"message_id", "status", "error", "kind"},
    "engagement_target_owners": {"model", "target_kind"},
    "engagement_owner_waiting": {"model", "kind", "target_kind"},
    "engagement_webhook_messages": {"id", "subscription_id", "event_type", "status"},
    "engagement_chat_publications": {"what", "channel", "lang"},
}.items()}


def person_tables() -> tuple[Table, ...]:
    """Every inventoried table, in a stable order (the order of :data:`INVENTORY`)."""
    return INVENTORY


def by_name() -> dict[str, Table]:
    return {t.table: t for t in INVENTORY}
