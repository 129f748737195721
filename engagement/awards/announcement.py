"""The announcement of a month's awards, ready to paste into an intranet news post,
in Norwegian bokmål and nynorsk, Danish and English (the catalogs in engagement/translations),
as Markdown and as HTML."""
from __future__ import annotations

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
})


def month_name(month: str, lang: str) -> str:
    """"oktober 2026": the month's name from the locale data (CLDR), as a translator would write it."""
    year, number = month.split("-")
    return f"{get_month_names('wide', locale=lang)[int(number)]} {year}"


def reason(facts: dict, category: str, lang: str) -> str:
    """"2 contributions, recognised by 4 colleagues in 3 teams": each count with its own plural form,
    put into the sentence around them."""
    t = translations(lang)
    counted = {"contributions": t.ngettext("{contributions} contribution", "{contributions} contributions",
                                           facts["contributions"]),
               "colleagues": t.ngettext("{colleagues} colleague", "{colleagues} colleagues", facts["colleagues"]),
               "teams": t.ngettext("{teams} team", "{teams} teams", facts["teams"])}
    # TRANSLATORS: each name stands for a counted phrase of its own: "2 contributions", "4 colleagues", "3 teams".
    text = t.gettext("{contributions}, recognised by {colleagues} in {teams}")
    if category == "idea_developer":
        counted |= {"developed_ideas": t.ngettext("{developed_ideas} idea", "{developed_ideas} ideas",
                                                  facts["developed_ideas"]),
                    "adopted_ideas": t.ngettext("{adopted_ideas} adopted", "{adopted_ideas} adopted",
                                                facts["adopted_ideas"])}
        # TRANSLATORS: "built on 3 ideas, 1 adopted"; each name stands for the counted phrase of its own.
        text += "; " + t.gettext("built on {developed_ideas}, {adopted_ideas}")
    return text.format(**{key: phrase.format(**facts) for key, phrase in counted.items()})


def helped(lang: str, threshold: int) -> str:
    return translations(lang).ngettext("Helped at least {n} other team this month",
                                       "Helped at least {n} other teams this month", threshold).format(n=threshold)


def sections(result: dict, lang: str, threshold: int) -> list[tuple[str, list[str]]]:
    t = TEXTS[lang]
    out = []
    for category, podium in result["categories"].items():
        lines = [f"{p['name']} – {reason(p['facts'], category, lang)}" for p in podium[:1]] or [t["none"]]
        if len(podium) > 1:
            lines.append(f"{t['runners']}: " + ", ".join(p["name"] for p in podium[1:]))
        out.append((t[category], lines))
    if result["threshold"]:
        out.append((helped(lang, threshold), [", ".join(p["name"] for p in result["threshold"])]))
    return out


def markdown(result: dict, lang: str, threshold: int) -> str:
    t, month = TEXTS[lang], month_name(result["month"], lang)
    parts = [f"# {t['title'].format(month=month)}", "", t["intro"].format(month=month)]
    for heading, lines in sections(result, lang, threshold):
        parts += ["", f"## {heading}", ""] + [f"- {line}" for line in lines]
    return "\n".join(parts) + "\n"


def html(result: dict, lang: str, threshold: int) -> str:
    """Names and reasons come from the directory and are escaped like any other text."""
    t, month = TEXTS[lang], month_name(result["month"], lang)
    parts = [f"<h1>{escape(t['title'].format(month=month))}</h1>", f"<p>{escape(t['intro'].format(month=month))}</p>"]
    for heading, lines in sections(result, lang, threshold):
        items = "".join(f"<li>{escape(line)}</li>" for line in lines)
        parts.append(f"<h2>{escape(heading)}</h2><ul>{items}</ul>")
    return "\n".join(parts) + "\n"
