"""The announcement of a month's awards, ready to paste into an intranet news post,
in Norwegian bokmål and nynorsk, Danish and English (the catalogs in engagement/translations),
as Markdown and as HTML.

Names come from the directory and are text, never markup: the Markdown escapes them (a name
``**[click](javascript:…)**`` stays those characters when pasted), the HTML escapes them as HTML."""
from __future__ import annotations

import re
from html import escape

from babel.dates import get_month_names

from engagement.translations import ByLanguage, translations

TEXTS = ByLanguage(lambda t: {
    "title": t.gettext("Contributors of the month – {month}"),
    "intro": t.gettext("Thank you to everyone who shared and lifted each other in {month}!"),
    "contributor": t.gettext("Contributor of the month"),
    "idea_developer": t.gettext("Best developer of other people's ideas"),
    "appreciated": t.gettext("Most appreciated colleague"),
    "runners": t.gettext("Also worth a mention"),
    "none": t.gettext("Nobody this time."),
    "none_yet": t.gettext("Nobody yet."),
    "lottery": t.gettext("Drawn in the lottery"),
    # TRANSLATORS: under the lottery's winners; the seed and its fingerprint (SHA-256, published before the
    # month ended, called so on the leaders' page too) are long hexadecimal numbers.
    "lottery_check": t.gettext("Anyone can check the draw: its seed {seed} gives the fingerprint {commitment} "
                               "published before the month ended."),
})
# Periods of a month whose winners can no longer change: the page says "Nobody this time" for them,
# "Nobody yet" while the month is running or still to come, and so does the announcement.
OVER = ("ended", "final")
# Backslash before every character Markdown (CommonMark, and the Markdown that Teams reads) may
# take as markup anywhere, and before < and > so that no HTML tag or autolink is made of a name;
# - + # and "1." only make a list or a heading at the start, so "Anne-Marie" keeps its hyphen plain.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()!|~<>&])")
MARKDOWN_LEADING = re.compile(r"^(\d*)([-+#=.)])")


def month_name(month: str, lang: str) -> str:
    """"oktober 2026": the month's name from the locale data (CLDR), as a translator would write it."""
    year, number = month.split("-")
    return f"{get_month_names('wide', locale=lang)[int(number)]} {year}"


def reason(facts: dict, category: str, lang: str) -> str:
    """"2 contributions, recognised by 4 colleagues in 3 teams": each count with its own plural form.
    A count of nothing is left out rather than said ("recognised by 0 colleagues in 0 teams" reads as
    a slight), so the reason may be shorter, or empty when there is nothing to say."""
    t = translations(lang)
    count = {key: int(facts.get(key) or 0) for key in
             ("contributions", "colleagues", "teams", "developed_ideas", "adopted_ideas")}
    parts = []
    if count["contributions"]:
        parts.append(t.ngettext("{contributions} contribution", "{contributions} contributions",
                                count["contributions"]).format(**count))
    if count["colleagues"]:
        parts.append(recognised(t, count["colleagues"], count["teams"]))
    text = ", ".join(parts)
    if category == "idea_developer" and count["developed_ideas"]:
        ideas = t.ngettext("{developed_ideas} idea", "{developed_ideas} ideas", count["developed_ideas"])
        if count["adopted_ideas"]:
            adopted = t.ngettext("{adopted_ideas} adopted", "{adopted_ideas} adopted", count["adopted_ideas"])
            # TRANSLATORS: "built on 3 ideas, 1 adopted"; each name stands for the counted phrase of its own.
            built = t.gettext("built on {developed_ideas}, {adopted_ideas}").format(
                developed_ideas=ideas.format(**count), adopted_ideas=adopted.format(**count))
        else:
            # TRANSLATORS: "built on 3 ideas"; the name stands for the counted phrase "3 ideas".
            built = t.gettext("built on {developed_ideas}").format(developed_ideas=ideas.format(**count))
        text = f"{text}; {built}" if text else built
    return text


def recognised(t, colleagues: int, teams: int) -> str:
    """"recognised by 4 colleagues in 3 teams", or without the teams when none is known."""
    people = t.ngettext("{colleagues} colleague", "{colleagues} colleagues", colleagues).format(colleagues=colleagues)
    if not teams:
        # TRANSLATORS: the name stands for a counted phrase: "4 colleagues".
        return t.gettext("recognised by {colleagues}").format(colleagues=people)
    where = t.ngettext("{teams} team", "{teams} teams", teams).format(teams=teams)
    # TRANSLATORS: each name stands for a counted phrase of its own: "4 colleagues", "3 teams".
    return t.gettext("recognised by {colleagues} in {teams}").format(colleagues=people, teams=where)


def helped(lang: str, threshold: int) -> str:
    return translations(lang).ngettext("Helped at least {n} other team this month",
                                       "Helped at least {n} other teams this month", threshold).format(n=threshold)


def winner(place: dict, category: str, lang: str, name=lambda text: text) -> str:
    """The name and, when there is one, the reason: never a dangling dash."""
    why = reason(place.get("facts") or {}, category, lang)
    return f"{name(place['name'])} – {why}" if why else name(place["name"])


def md(text: str) -> str:
    """Free text as Markdown shows it and never runs it: line breaks collapsed to one space
    (a name cannot start a new list item or heading), every special character escaped."""
    text = MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    return MARKDOWN_LEADING.sub(r"\1\\\2", text)


def sections(result: dict, lang: str, threshold: int, period: str = "final",
             name=lambda text: text) -> list[tuple[str, list[str]]]:
    """The announcement's headings and lines; ``name`` makes a name safe where it is pasted
    (``md`` for Markdown and Teams), ``period`` chooses "Nobody yet" or "Nobody this time"."""
    t = TEXTS[lang]
    nobody = t["none"] if period in OVER else t["none_yet"]
    out = []
    for category, podium in result["categories"].items():
        lines = [winner(p, category, lang, name) for p in podium[:1]] or [nobody]
        if len(podium) > 1:
            lines.append(f"{t['runners']}: " + ", ".join(name(p["name"]) for p in podium[1:]))
        out.append((t[category], lines))
    if result["threshold"]:
        out.append((helped(lang, threshold), [", ".join(name(p["name"]) for p in result["threshold"])]))
    drawn = result.get("lottery")
    if drawn and drawn["winners"]:
        out.append((t["lottery"], [", ".join(name(p["name"]) for p in drawn["winners"]),
                                   t["lottery_check"].format(seed=drawn["seed"], commitment=drawn["commitment"])]))
    return out


# The announcement's title is a level-2 heading by default: pasted into a news post or an intranet
# page it sits under that page's own title (its one h1), never beside it. Its sections are one below.
HEADING = 2
MAX_HEADING = 5


def markdown(result: dict, lang: str, threshold: int, heading: int = HEADING, period: str = "final") -> str:
    t, month = TEXTS[lang], month_name(result["month"], lang)
    top, sub = "#" * heading, "#" * (heading + 1)
    parts = [f"{top} {t['title'].format(month=month)}", "", t["intro"].format(month=month)]
    for title, lines in sections(result, lang, threshold, period, md):
        parts += ["", f"{sub} {title}", ""] + [f"- {line}" for line in lines]
    return "\n".join(parts) + "\n"


def html(result: dict, lang: str, threshold: int, heading: int = HEADING, period: str = "final") -> str:
    """Names and reasons come from the directory and are escaped like any other text."""
    t, month = TEXTS[lang], month_name(result["month"], lang)
    top, sub = f"h{heading}", f"h{heading + 1}"
    parts = [f"<{top}>{escape(t['title'].format(month=month))}</{top}>",
             f"<p>{escape(t['intro'].format(month=month))}</p>"]
    for title, lines in sections(result, lang, threshold, period):
        items = "".join(f"<li>{escape(line)}</li>" for line in lines)
        parts.append(f"<{sub}>{escape(title)}</{sub}><ul>{items}</ul>")
    return "\n".join(parts) + "\n"
