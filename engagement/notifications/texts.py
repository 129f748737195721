"""Notification and digest words in bokmål, nynorsk, Danish and English."""
from __future__ import annotations

LANGS = ("nb", "nn", "da", "en")

SENTENCES = {
    "nb": {"like": "{actors} likte «{title}»", "comment": "{actors} kommenterte «{title}»",
           "kudos": "{actors} ga deg Bra! for «{title}»", "kudos_person": "{actors} ga deg Bra!", "contribution": "{actors} bygde videre på idéen din «{title}»",
           "answer": "{actors} svarte på idéen din «{title}»", "adopted": "Idéen «{title}» er tatt i bruk – takk for bidraget!"},
    "nn": {"like": "{actors} likte «{title}»", "comment": "{actors} kommenterte «{title}»",
           "kudos": "{actors} gav deg Bra! for «{title}»", "kudos_person": "{actors} gav deg Bra!", "contribution": "{actors} bygde vidare på idéen din «{title}»",
           "answer": "{actors} svarte på idéen din «{title}»", "adopted": "Idéen «{title}» er teken i bruk – takk for bidraget!"},
    "da": {"like": "{actors} synes godt om »{title}«", "comment": "{actors} kommenterede »{title}«",
           "kudos": "{actors} gav dig ros for »{title}«", "kudos_person": "{actors} gav dig ros", "contribution": "{actors} byggede videre på din idé »{title}«",
           "answer": "{actors} svarede på din idé »{title}«", "adopted": "Idéen »{title}« er taget i brug – tak for bidraget!"},
    "en": {"like": "{actors} liked “{title}”", "comment": "{actors} commented on “{title}”",
           "kudos": "{actors} gave you kudos for “{title}”", "kudos_person": "{actors} gave you kudos", "contribution": "{actors} built on your idea “{title}”",
           "answer": "{actors} answered your idea “{title}”", "adopted": "Your idea “{title}” has been adopted – thank you!"},
}
UNTITLED = {"nb": "bidraget ditt", "nn": "bidraget ditt", "da": "dit bidrag", "en": "your contribution"}
AND = {"nb": ("og", "andre", "en annen"), "nn": ("og", "andre", "ein annan"), "da": ("og", "andre", "en anden"),
       "en": ("and", "others", "one other")}
DIGEST = {
    "nb": {"subject": "Tillit: {n} nye anerkjennelser", "hello": "Hei {name}!",
           "intro": "Dette har kollegene dine gjort med bidragene dine:", "open": "Se alt på intranettet",
           "unsubscribe": "Vil du ikke ha disse e-postene? Meld deg av her:"},
    "nn": {"subject": "Tillit: {n} nye anerkjenningar", "hello": "Hei {name}!",
           "intro": "Dette har kollegane dine gjort med bidraga dine:", "open": "Sjå alt på intranettet",
           "unsubscribe": "Vil du ikkje ha desse e-postane? Meld deg av her:"},
    "da": {"subject": "Tillit: {n} nye anerkendelser", "hello": "Hej {name}!",
           "intro": "Det her har dine kolleger gjort med dine bidrag:", "open": "Se det hele på intranettet",
           "unsubscribe": "Vil du ikke have disse e-mails? Afmeld dig her:"},
    "en": {"subject": "Tillit: {n} new recognitions", "hello": "Hi {name}!",
           "intro": "This is what your colleagues did with your contributions:", "open": "See it all on the intranet",
           "unsubscribe": "Don't want these e-mails? Unsubscribe here:"},
}
UNSUBSCRIBE_PAGE = {
    "nb": ("Meld av e-post fra Tillit", "Du får ikke flere e-poster fra Tillit. Varslene ligger fortsatt på intranettet.",
           "Meld meg av"),
    "nn": ("Meld av e-post frå Tillit", "Du får ikkje fleire e-postar frå Tillit. Varsla ligg framleis på intranettet.",
           "Meld meg av"),
    "da": ("Afmeld e-mails fra Tillit", "Du får ikke flere e-mails fra Tillit. Notifikationerne ligger stadig på intranettet.",
           "Afmeld mig"),
    "en": ("Unsubscribe from Tillit e-mail", "You will get no more e-mail from Tillit. Notifications stay on the intranet.",
           "Unsubscribe me"),
}
UNSUBSCRIBE_STALE = {
    "nb": "Denne lenken er utløpt eller erstattet av en nyere. Bruk lenken i den siste e-posten fra Tillit, "
          "eller endre e-postvalgene dine på intranettet.",
    "nn": "Denne lenkja er gått ut eller bytt ut med ei nyare. Bruk lenkja i den siste e-posten frå Tillit, "
          "eller endra e-postvala dine på intranettet.",
    "da": "Dette link er udløbet eller erstattet af et nyere. Brug linket i den seneste e-mail fra Tillit, "
          "eller skift dine e-mailvalg på intranettet.",
    "en": "This link has expired or has been replaced by a newer one. Use the link in your latest e-mail from "
          "Tillit, or change your e-mail settings on the intranet.",
}


def actors_text(names: list[str], lang: str) -> str:
    """"Kari", "Kari og Ola", "Kari og 4 andre" — newest first."""
    word, others, one = AND[lang]
    if len(names) <= 1:
        return names[0] if names else ""
    if len(names) == 2:
        return f"{names[0]} {word} {names[1]}"
    rest = len(names) - 1
    return f"{names[0]} {word} {rest} {others}" if rest > 1 else f"{names[0]} {word} {one}"


def sentence(kind: str, lang: str, names: list[str], title: str | None, ref: str = "",
             own_ref: bool = True) -> str:
    """One group's line. A Bra! quotes the title of what it is about only when that is the
    recipient's own (``own_ref``): anyone may send a Bra! about anything, and a title only its
    author chose must not reach everyone's bell that way; otherwise it says just "ga deg Bra!"."""
    if kind == "kudos" and (ref.startswith("person:") or not own_ref):
        kind = "kudos_person"
    return SENTENCES[lang][kind].format(actors=actors_text(names, lang), title=title or UNTITLED[lang])
