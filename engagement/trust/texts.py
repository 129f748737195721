"""The trust report's words: each flag's title, its reason with the numbers, and a suggested
action drawn from the Nordic writing on trust. The texts are English msgids; the catalogs in
engagement/translations say them in bokmål, nynorsk, Danish and English."""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from babel.numbers import format_decimal
from babel.support import Translations

from engagement.translations import LANGS, N_, ByLanguage, translations

__all__ = ["FLAGS", "LANGS", "WARNING", "describe", "pulse_drop"]


# Numbers that are percentages; the code writes "40 %", so no msgid holds a bare "%" that gettext
# tools would read as a printf placeholder ("% o" in "40 % of").
PERCENTAGES = {"share", "limit", "drop"}
# Each flag's reason in words, plural by the count it names (a translator's tool sees both forms).
REASONS: dict[str, Callable[[Translations, dict], str]] = {
    "low_sharing": lambda t, n: t.ngettext(
        "{sharers} of {members} member ({share}) shared anything in the period; the threshold is {limit}.",
        "{sharers} of {members} members ({share}) shared anything in the period; the threshold is {limit}.",
        n["members"]),
    "declining": lambda t, n: t.gettext(
        "Contributions per member fell {drop} against the team's previous three months "
        "({now} vs {before} per 30 days)."),
    "quiet_leaders": lambda t, n: t.ngettext(
        "{active} of {leaders} leader was active in the period; the threshold is {limit}.",
        "{active} of {leaders} leaders were active in the period; the threshold is {limit}.", n["leaders"]),
    "silo": lambda t, n: t.ngettext(
        "Only {share} of the team's {interactions} interaction was with other teams; the threshold is {limit}.",
        "Only {share} of the team's {interactions} interactions were with other teams; the threshold is {limit}.",
        n["interactions"]),
    "one_person": lambda t, n: t.ngettext(
        "One person made {share} of the team's {contributions} contribution; the threshold is {limit}.",
        "One person made {share} of the team's {contributions} contributions; the threshold is {limit}.",
        n["contributions"]),
    "unanswered_ideas": lambda t, n: t.ngettext(
        "{count} idea from the team has had no answer for more than {days} days.",
        "{count} ideas from the team have had no answer for more than {days} days.", n["count"]),
}
# flag: (title, suggested action)
TEXTS = {
    "low_sharing": (N_("Little sharing"),
        N_("Give the team's enthusiasts room, and let leaders go first by sharing themselves.")),
    "declining": (N_("Sharing is declining"),
        N_("Ask the team what has changed, and make the informal formal with planned coffee chats.")),
    "quiet_leaders": (N_("Quiet leaders"),
        N_("Leaders go first: share something, like and answer other people's contributions.")),
    "silo": (N_("Silo"),
        N_("Make the informal formal: planned coffee chats and joint idea meetings with neighbouring teams.")),
    "one_person": (N_("Resting on one person"),
        N_("Bring out more voices: invite others to share, and let the enthusiasts bring others along.")),
    "unanswered_ideas": (N_("Unanswered ideas"),
        N_("Close the loop: answer the ideas, also when the answer is no, and say what happened.")),
}
FLAGS = tuple(TEXTS)


def describe(flag: str, lang: str, numbers: dict) -> dict:
    """A flag as the report shows it: title, reason with the numbers, suggested action."""
    t = translations(lang)
    title, action = TEXTS[flag]
    values = {key: _number(key, value, lang) for key, value in numbers.items()}
    return {"flag": flag, "title": t.gettext(title), "reason": REASONS[flag](t, numbers).format(**values),
            "action": t.gettext(action)}


def _number(key: str, value: object, lang: str) -> object:
    """A number as the page's language writes it ("1,17" in Norwegian and Danish), rates to two
    decimals at most; percentages with their sign after a space."""
    if isinstance(value, float):
        value = _decimal(value, lang)
    return f"{value} %" if key in PERCENTAGES else value


@lru_cache(maxsize=4096)
def _decimal(value: float, lang: str) -> str:
    """Babel parses the pattern on every call; a report of thousands of teams repeats few rates."""
    return format_decimal(value, format="#,##0.##", locale=lang)


# The weekly early warnings (engagement/trust/warnings.py): a note to communications staff.
WARNING = ByLanguage(lambda t: {
    "subject": t.gettext("Tillit: early warnings, week {week}"),
    "title": t.gettext("Early warnings, week {week}"),
    "intro": t.gettext("Teams that raised a new flag in the trust report this week, or whose pulse dropped:"),
    "note": t.gettext("Only groups shown on their own are named: small teams are folded into their unit, "
                      "as in the trust report. Flags compare the last 30 days with the 90 days before."),
    "open": t.gettext("See the trust report"),
})
PULSE_DROP = N_("Pulse: the mean of “{statement}” fell from {before} to {after}.")


def pulse_drop(lang: str, statement: str, before: float, after: float) -> str:
    """A pulse drop in words, the means with one decimal as the language writes them ("3,9")."""
    return translations(lang).gettext(PULSE_DROP).format(
        statement=statement, before=format_decimal(before, format="0.0", locale=lang),
        after=format_decimal(after, format="0.0", locale=lang))
