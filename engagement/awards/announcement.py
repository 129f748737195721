"""The announcement of a month's awards, ready to paste into an intranet news post,
in Norwegian bokmål and nynorsk, Danish and English, as Markdown and as HTML."""
from __future__ import annotations

from html import escape

MONTHS = {
    "nb": "januar februar mars april mai juni juli august september oktober november desember",
    "nn": "januar februar mars april mai juni juli august september oktober november desember",
    "da": "januar februar marts april maj juni juli august september oktober november december",
    "en": "January February March April May June July August September October November December",
}
TEXTS = {
    "nb": {"title": "Månedens bidragsytere – {month}", "intro": "Takk til alle som delte og løftet hverandre i {month}!",
           "contributor": "Månedens bidragsyter", "idea_developer": "Månedens idéutvikler",
           "appreciated": "Månedens mest verdsatte kollega", "runners": "Også verdt å nevne",
           "reason": "{contributions} bidrag, anerkjent av {colleagues} kolleger i {teams} team",
           "ideas": "bygde videre på {developed_ideas} idéer, {adopted_ideas} tatt i bruk",
           "threshold": "Hjalp minst {n} andre team denne måneden", "none": "Ingen i år – neste måned kanskje?"},
    "nn": {"title": "Månadens bidragsytarar – {month}", "intro": "Takk til alle som delte og lyfte kvarandre i {month}!",
           "contributor": "Månadens bidragsytar", "idea_developer": "Månadens idéutviklar",
           "appreciated": "Månadens mest verdsette kollega", "runners": "Også verdt å nemne",
           "reason": "{contributions} bidrag, anerkjend av {colleagues} kollegaer i {teams} team",
           "ideas": "bygde vidare på {developed_ideas} idéar, {adopted_ideas} tekne i bruk",
           "threshold": "Hjelpte minst {n} andre team denne månaden", "none": "Ingen denne gongen."},
    "da": {"title": "Månedens bidragydere – {month}", "intro": "Tak til alle, der delte og løftede hinanden i {month}!",
           "contributor": "Månedens bidragyder", "idea_developer": "Månedens idéudvikler",
           "appreciated": "Månedens mest værdsatte kollega", "runners": "Også værd at nævne",
           "reason": "{contributions} bidrag, anerkendt af {colleagues} kolleger i {teams} teams",
           "ideas": "byggede videre på {developed_ideas} idéer, {adopted_ideas} taget i brug",
           "threshold": "Hjalp mindst {n} andre teams i denne måned", "none": "Ingen denne gang."},
    "en": {"title": "Contributors of the month – {month}", "intro": "Thank you to everyone who shared and lifted each other in {month}!",
           "contributor": "Contributor of the month", "idea_developer": "Best developer of other people's ideas",
           "appreciated": "Most appreciated colleague", "runners": "Also worth a mention",
           "reason": "{contributions} contributions, recognised by {colleagues} colleagues in {teams} teams",
           "ideas": "built on {developed_ideas} ideas, {adopted_ideas} adopted",
           "threshold": "Helped at least {n} other teams this month", "none": "Nobody this time."},
}


def month_name(month: str, lang: str) -> str:
    year, number = month.split("-")
    return f"{MONTHS[lang].split()[int(number) - 1]} {year}"


def reason(facts: dict, category: str, lang: str) -> str:
    text = TEXTS[lang]["reason"].format(**facts)
    if category == "idea_developer":
        text += "; " + TEXTS[lang]["ideas"].format(**facts)
    return text


def sections(result: dict, lang: str, threshold: int) -> list[tuple[str, list[str]]]:
    t = TEXTS[lang]
    out = []
    for category, podium in result["categories"].items():
        lines = [f"{p['name']} – {reason(p['facts'], category, lang)}" for p in podium[:1]] or [t["none"]]
        if len(podium) > 1:
            lines.append(f"{t['runners']}: " + ", ".join(p["name"] for p in podium[1:]))
        out.append((t[category], lines))
    if result["threshold"]:
        out.append((t["threshold"].format(n=threshold), [", ".join(p["name"] for p in result["threshold"])]))
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
        parts.append(f"<h2>{escape(heading)}</h2><ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>")
    return "\n".join(parts) + "\n"
