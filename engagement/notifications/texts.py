"""Notification and digest words. The texts are English msgids; the catalogs in
engagement/translations say them in bokmål, nynorsk, Danish and English."""
from __future__ import annotations

from datetime import date

from babel.dates import format_skeleton

from engagement.translations import LANGS, N_, ByLanguage, translations

__all__ = ["DIGEST", "LANGS", "UNSUBSCRIBE_PAGE", "UNSUBSCRIBE_STALE", "actors_text", "digest_subject", "message_line",
           "sentence"]

SENTENCES = {
    "like": N_("{actors} liked “{title}”"),
    "comment": N_("{actors} commented on “{title}”"),
    "kudos": N_("{actors} gave you kudos for “{title}”"),
    "kudos_person": N_("{actors} gave you kudos"),
    "contribution": N_("{actors} built on your idea “{title}”"),
    "answer": N_("{actors} answered your idea “{title}”"),
    "adopted": N_("Your idea “{title}” has been adopted – thank you!"),
    "pulse": N_("New pulse: “{title}” – answer by {date}"),
    "profile": N_("Your profile is complete – thank you!"),
    "lottery": N_("You won in the lottery's draw for {month} – congratulations!"),
}
MESSAGE = N_("{actor} gave you kudos: “{message}”")
DIGEST = ByLanguage(lambda t: {
    "hello": t.gettext("Hi {name}!"),
    "intro": t.gettext("This is what your colleagues did with your contributions:"),
    "open": t.gettext("See it all on the intranet"),
    "unsubscribe": t.gettext("Don't want these e-mails? Unsubscribe here:"),
})
UNSUBSCRIBE_PAGE = ByLanguage(lambda t: (
    t.gettext("Unsubscribe from Tillit e-mail"),
    t.gettext("You will get no more e-mail from Tillit. Notifications stay on the intranet."),
    t.gettext("Unsubscribe me"),
))
UNSUBSCRIBE_STALE = ByLanguage(lambda t: t.gettext(
    "This link has expired or has been replaced by a newer one. Use the link in your latest e-mail from "
    "Tillit, or change your e-mail settings on the intranet."))


def digest_subject(lang: str, count: int) -> str:
    """The digest's subject line, "Tillit: 3 new recognitions", plural by the count."""
    return translations(lang).ngettext("Tillit: {n} new recognition", "Tillit: {n} new recognitions",
                                       count).format(n=count)


def actors_text(names: list[str], lang: str) -> str:
    """"Kari", "Kari og Ola", "Kari og 4 andre" — newest first."""
    t = translations(lang)
    if len(names) <= 1:
        return names[0] if names else ""
    if len(names) == 2:
        return t.gettext("{first} and {second}").format(first=names[0], second=names[1])
    rest = len(names) - 1
    return t.ngettext("{first} and one other", "{first} and {n} others", rest).format(first=names[0], n=rest)


def sentence(kind: str, lang: str, names: list[str], title: str | None, ref: str = "",
             own_ref: bool = True, due: str | None = None) -> str:
    """One group's line. A Bra! quotes the title of what it is about only when that is the
    recipient's own (``own_ref``): anyone may send a Bra! about anything, and a title only its
    author chose must not reach everyone's bell that way; otherwise it says just "ga deg Bra!".
    A pulse's invitation says its last day (``due``, ISO) as the language writes a date; a lottery
    win its month ("november 2026"), from its ref ``lottery:2026-11``."""
    if kind == "kudos" and (ref.startswith("person:") or not own_ref):
        kind = "kudos_person"
    t = translations(lang)
    day = format_skeleton("MMMMd", date.fromisoformat(due), locale=lang) if due else ""
    month = format_skeleton("yMMMM", date.fromisoformat(ref.removeprefix("lottery:") + "-01"), locale=lang) \
        if kind == "lottery" else ""
    return t.gettext(SENTENCES[kind]).format(actors=actors_text(names, lang),
                                             title=title or t.gettext("your contribution"), date=day, month=month)


def message_line(lang: str, name: str, message: str) -> str:
    """One giver's Bra! with the words they wrote ("Kari ga deg Bra!: «Takk for hjelpen»"), plain
    text: whoever shows it escapes it."""
    return translations(lang).gettext(MESSAGE).format(actor=name, message=message)
