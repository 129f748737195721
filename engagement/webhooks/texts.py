"""The words of a trust summary posted to a chat channel, as English msgids; the catalogs in
engagement/translations say them in bokmål, nynorsk, Danish and English. (An award announcement
uses the announcement's own words, engagement/awards/announcement.py.)"""
from __future__ import annotations

from engagement.translations import ByLanguage, translations

TEXTS = ByLanguage(lambda t: {
    "title": t.gettext("Trust signals – {period}"),
    "none": t.gettext("No group crossed a threshold in the period."),
    "action": t.gettext("Suggested action"),
    "open": t.gettext("The full report is in Tillit, for those who may read it."),
})


def shown(lang: str, groups: int, flagged: int) -> str:
    """"8 groups in the report, 2 with a flag": each count with its own plural form."""
    t = translations(lang)
    counted = {"groups": t.ngettext("{groups} group", "{groups} groups", groups).format(groups=groups),
               "flagged": t.ngettext("{flagged} with a flag", "{flagged} with a flag", flagged).format(flagged=flagged)}
    # TRANSLATORS: "8 groups in the report, 2 with a flag"; each name stands for a counted phrase of its own.
    return t.gettext("{groups} in the report, {flagged}.").format(**counted)


def folded(lang: str, min_size: int) -> str:
    return translations(lang).ngettext(
        "Teams with fewer than {n} person are counted in their parent unit and never shown alone.",
        "Teams with fewer than {n} people are counted in their parent unit and never shown alone.",
        min_size).format(n=min_size)
