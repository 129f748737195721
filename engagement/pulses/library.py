"""The built-in statements a pulse can ask, and the answer scale, in nb, nn, da and en.

Statements are content, not interface words: a survey's wording is chosen and reviewed as a
whole, per language, and staff may write their own beside these (``custom-<n>``), so they live
here as data rather than as gettext msgids.

Each statement has three wordings (engagement/pulses/model.py ``WORDINGS``): ``team``, as an
employee answers about their leader or their team; ``self``, as the leader answers about
themself; ``manager``, as the leader's own leader answers about that leader. Putting the three
side by side is what the leader's report is for.

The five ``leader.*`` statements follow the Danish public-sector leader report ("Min leder
bidrager til ..."); the seven ``climate.*`` themes are the team-climate themes of Norwegian
practice on psychological safety.
"""
from __future__ import annotations

from collections.abc import Mapping

from engagement.pulses.model import DONT_KNOW, WORDINGS
from engagement.translations import LANGS

Texts = Mapping[str, Mapping[str, str]]  # lang -> wording -> text


def _w(team: str, self_: str, manager: str) -> dict[str, str]:
    return dict(zip(WORDINGS, (team, self_, manager), strict=True))


STATEMENTS: dict[str, Texts] = {
    "leader.respect_differences": {
        "nb": _w("Min leder bidrar til at vi har respekt for hverandres ulikheter.",
                 "Jeg bidrar til at vi har respekt for hverandres ulikheter.",
                 "Lederen bidrar til at folk i enheten har respekt for hverandres ulikheter."),
        "nn": _w("Leiaren min bidreg til at vi har respekt for at vi er ulike.",
                 "Eg bidreg til at vi har respekt for at vi er ulike.",
                 "Leiaren bidreg til at folk i eininga har respekt for at dei er ulike."),
        "da": _w("Min leder bidrager til, at vi har respekt for hinandens forskelligheder.",
                 "Jeg bidrager til, at vi har respekt for hinandens forskelligheder.",
                 "Lederen bidrager til, at medarbejderne i enheden har respekt for hinandens forskelligheder."),
        "en": _w("My leader helps us respect each other's differences.",
                 "I help us respect each other's differences.",
                 "The leader helps the people in the unit respect each other's differences."),
    },
    "leader.safe_to_try": {
        "nb": _w("Min leder bidrar til at det er trygt å prøve ut nye tiltak i enheten vår.",
                 "Jeg bidrar til at det er trygt å prøve ut nye tiltak i enheten vår.",
                 "Lederen bidrar til at det er trygt å prøve ut nye tiltak i enheten."),
        "nn": _w("Leiaren min bidreg til at det er trygt å prøve ut nye tiltak i eininga vår.",
                 "Eg bidreg til at det er trygt å prøve ut nye tiltak i eininga vår.",
                 "Leiaren bidreg til at det er trygt å prøve ut nye tiltak i eininga."),
        "da": _w("Min leder bidrager til, at det er trygt at afprøve nye tiltag i vores enhed.",
                 "Jeg bidrager til, at det er trygt at afprøve nye tiltag i vores enhed.",
                 "Lederen bidrager til, at det er trygt at afprøve nye tiltag i enheden."),
        "en": _w("My leader makes it safe to try out new things in our unit.",
                 "I make it safe to try out new things in our unit.",
                 "The leader makes it safe to try out new things in the unit."),
    },
    "leader.open_about_challenges": {
        "nb": _w("Min leder snakker åpent om egne utfordringer.",
                 "Jeg snakker åpent om mine egne utfordringer.",
                 "Lederen snakker åpent om egne utfordringer."),
        "nn": _w("Leiaren min snakkar ope om eigne utfordringar.",
                 "Eg snakkar ope om mine eigne utfordringar.",
                 "Leiaren snakkar ope om eigne utfordringar."),
        "da": _w("Min leder taler åbent om egne udfordringer.",
                 "Jeg taler åbent om mine egne udfordringer.",
                 "Lederen taler åbent om egne udfordringer."),
        "en": _w("My leader talks openly about their own challenges.",
                 "I talk openly about my own challenges.",
                 "The leader talks openly about their own challenges."),
    },
    "leader.easy_to_ask_for_help": {
        "nb": _w("Min leder bidrar til at det er lett å spørre andre om hjelp i enheten vår.",
                 "Jeg bidrar til at det er lett å spørre andre om hjelp i enheten vår.",
                 "Lederen bidrar til at det er lett å spørre andre om hjelp i enheten."),
        "nn": _w("Leiaren min bidreg til at det er lett å spørje andre om hjelp i eininga vår.",
                 "Eg bidreg til at det er lett å spørje andre om hjelp i eininga vår.",
                 "Leiaren bidreg til at det er lett å spørje andre om hjelp i eininga."),
        "da": _w("Min leder bidrager til, at det er nemt at spørge andre om hjælp i vores enhed.",
                 "Jeg bidrager til, at det er nemt at spørge andre om hjælp i vores enhed.",
                 "Lederen bidrager til, at det er nemt at spørge andre om hjælp i enheden."),
        "en": _w("My leader makes it easy to ask others for help in our unit.",
                 "I make it easy to ask others for help in our unit.",
                 "The leader makes it easy to ask others for help in the unit."),
    },
    "leader.talk_about_problems": {
        "nb": _w("Min leder bidrar til at vi sammen kan snakke om problemer og uenighet i enheten vår.",
                 "Jeg bidrar til at vi sammen kan snakke om problemer og uenighet i enheten vår.",
                 "Lederen bidrar til at folk i enheten sammen kan snakke om problemer og uenighet."),
        "nn": _w("Leiaren min bidreg til at vi saman kan snakke om problem og usemje i eininga vår.",
                 "Eg bidreg til at vi saman kan snakke om problem og usemje i eininga vår.",
                 "Leiaren bidreg til at folk i eininga saman kan snakke om problem og usemje."),
        "da": _w("Min leder bidrager til, at vi i fællesskab i vores enhed kan tale om problemer og uenigheder.",
                 "Jeg bidrager til, at vi i fællesskab i vores enhed kan tale om problemer og uenigheder.",
                 "Lederen bidrager til, at medarbejderne i fællesskab i enheden kan tale om problemer "
                 "og uenigheder."),
        "en": _w("My leader helps us talk together about problems and disagreements in our unit.",
                 "I help us talk together about problems and disagreements in our unit.",
                 "The leader helps the unit talk together about problems and disagreements."),
    },
    "climate.wish_well": {
        "nb": _w("Jeg opplever at de andre i enheten ønsker meg vel, også når jeg sier ifra.",
                 "Jeg bidrar til at vi ønsker hverandre vel, også når noen sier ifra.",
                 "Lederen bidrar til at folk i enheten ønsker hverandre vel, også når noen sier ifra."),
        "nn": _w("Eg opplever at dei andre i eininga ønskjer meg vel, også når eg seier ifrå.",
                 "Eg bidreg til at vi ønskjer kvarandre vel, også når nokon seier ifrå.",
                 "Leiaren bidreg til at folk i eininga ønskjer kvarandre vel, også når nokon seier ifrå."),
        "da": _w("Jeg oplever, at de andre i enheden vil mig det godt, også når jeg siger fra.",
                 "Jeg bidrager til, at vi vil hinanden det godt, også når nogen siger fra.",
                 "Lederen bidrager til, at medarbejderne i enheden vil hinanden det godt, også når nogen "
                 "siger fra."),
        "en": _w("The others in my unit wish me well, also when I speak up.",
                 "I help us wish each other well, also when someone speaks up.",
                 "The leader helps the people in the unit wish each other well, also when someone speaks up."),
    },
    "climate.listen_openly": {
        "nb": _w("Når jeg tar opp noe, blir jeg lyttet til med et åpent sinn.",
                 "Jeg bidrar til at vi lytter til hverandre med et åpent sinn.",
                 "Lederen bidrar til at folk i enheten lytter til hverandre med et åpent sinn."),
        "nn": _w("Når eg tek opp noko, blir eg lytta til med eit ope sinn.",
                 "Eg bidreg til at vi lyttar til kvarandre med eit ope sinn.",
                 "Leiaren bidreg til at folk i eininga lyttar til kvarandre med eit ope sinn."),
        "da": _w("Når jeg tager noget op, bliver jeg lyttet til med et åbent sind.",
                 "Jeg bidrager til, at vi lytter til hinanden med et åbent sind.",
                 "Lederen bidrager til, at medarbejderne i enheden lytter til hinanden med et åbent sind."),
        "en": _w("When I raise something, people listen with an open mind.",
                 "I help us listen to each other with an open mind.",
                 "The leader helps the people in the unit listen to each other with an open mind."),
    },
    "climate.disagreement_welcome": {
        "nb": _w("Hos oss er uenighet velkommen, og den blir diskutert åpent.",
                 "Jeg bidrar til at uenighet er velkommen og blir diskutert åpent.",
                 "Lederen bidrar til at uenighet er velkommen og blir diskutert åpent i enheten."),
        "nn": _w("Hos oss er usemje velkomen, og ho blir diskutert ope.",
                 "Eg bidreg til at usemje er velkomen og blir diskutert ope.",
                 "Leiaren bidreg til at usemje er velkomen og blir diskutert ope i eininga."),
        "da": _w("Hos os er uenighed velkommen, og den bliver drøftet åbent.",
                 "Jeg bidrager til, at uenighed er velkommen og bliver drøftet åbent.",
                 "Lederen bidrager til, at uenighed er velkommen og bliver drøftet åbent i enheden."),
        "en": _w("Disagreement is welcome here and discussed openly.",
                 "I help make disagreement welcome and openly discussed.",
                 "The leader helps make disagreement welcome and openly discussed in the unit."),
    },
    "climate.curiosity": {
        "nb": _w("Hos oss blir ny informasjon møtt med nysgjerrighet.",
                 "Jeg bidrar til at ny informasjon blir møtt med nysgjerrighet.",
                 "Lederen bidrar til at ny informasjon blir møtt med nysgjerrighet i enheten."),
        "nn": _w("Hos oss blir ny informasjon møtt med nysgjerrigheit.",
                 "Eg bidreg til at ny informasjon blir møtt med nysgjerrigheit.",
                 "Leiaren bidreg til at ny informasjon blir møtt med nysgjerrigheit i eininga."),
        "da": _w("Hos os bliver ny viden mødt med nysgerrighed.",
                 "Jeg bidrager til, at ny viden bliver mødt med nysgerrighed.",
                 "Lederen bidrager til, at ny viden bliver mødt med nysgerrighed i enheden."),
        "en": _w("New information is met with curiosity here.",
                 "I help us meet new information with curiosity.",
                 "The leader helps the unit meet new information with curiosity."),
    },
    "climate.room_for_uncertainty": {
        "nb": _w("Hos oss er det rom for å være usikker.",
                 "Jeg bidrar til at det er rom for å være usikker.",
                 "Lederen bidrar til at det er rom for å være usikker i enheten."),
        "nn": _w("Hos oss er det rom for å vere usikker.",
                 "Eg bidreg til at det er rom for å vere usikker.",
                 "Leiaren bidreg til at det er rom for å vere usikker i eininga."),
        "da": _w("Hos os er der plads til at være usikker.",
                 "Jeg bidrager til, at der er plads til at være usikker.",
                 "Lederen bidrager til, at der er plads til at være usikker i enheden."),
        "en": _w("There is room for uncertainty here.",
                 "I help make room for uncertainty.",
                 "The leader helps make room for uncertainty in the unit."),
    },
    "climate.easy_to_ask_for_help": {
        "nb": _w("Hos oss er det lett å be om hjelp.",
                 "Jeg bidrar til at det er lett å be om hjelp.",
                 "Lederen bidrar til at det er lett å be om hjelp i enheten."),
        "nn": _w("Hos oss er det lett å be om hjelp.",
                 "Eg bidreg til at det er lett å be om hjelp.",
                 "Leiaren bidreg til at det er lett å be om hjelp i eininga."),
        "da": _w("Hos os er det nemt at bede om hjælp.",
                 "Jeg bidrager til, at det er nemt at bede om hjælp.",
                 "Lederen bidrager til, at det er nemt at bede om hjælp i enheden."),
        "en": _w("It is easy to ask for help here.",
                 "I help make it easy to ask for help.",
                 "The leader helps make it easy to ask for help in the unit."),
    },
    "climate.no_punishing_reactions": {
        "nb": _w("Den som sier ifra om feil eller problemer hos oss, blir ikke møtt med straffende reaksjoner.",
                 "Jeg bidrar til at ingen blir møtt med straffende reaksjoner når de sier ifra.",
                 "Lederen bidrar til at ingen i enheten blir møtt med straffende reaksjoner når de sier ifra."),
        "nn": _w("Den som seier ifrå om feil eller problem hos oss, blir ikkje møtt med straffande reaksjonar.",
                 "Eg bidreg til at ingen blir møtte med straffande reaksjonar når dei seier ifrå.",
                 "Leiaren bidreg til at ingen i eininga blir møtte med straffande reaksjonar når dei seier ifrå."),
        "da": _w("Den, der siger fra om fejl eller problemer hos os, bliver ikke mødt med straffende reaktioner.",
                 "Jeg bidrager til, at ingen bliver mødt med straffende reaktioner, når de siger fra.",
                 "Lederen bidrager til, at ingen i enheden bliver mødt med straffende reaktioner, når de "
                 "siger fra."),
        "en": _w("Here, nobody who speaks up about mistakes or problems meets a punishing reaction.",
                 "I help make sure nobody meets a punishing reaction for speaking up.",
                 "The leader helps make sure nobody in the unit meets a punishing reaction for speaking up."),
    },
}

# The agreement scale, 1 (strongly disagree) to 5 (strongly agree), and 0 for "don't know".
SCALE: dict[str, dict[int, str]] = {
    "nb": {1: "Helt uenig", 2: "Uenig", 3: "Verken enig eller uenig", 4: "Enig", 5: "Helt enig",
           DONT_KNOW: "Vet ikke"},
    "nn": {1: "Heilt usamd", 2: "Usamd", 3: "Verken samd eller usamd", 4: "Samd", 5: "Heilt samd",
           DONT_KNOW: "Veit ikkje"},
    "da": {1: "Helt uenig", 2: "Uenig", 3: "Hverken enig eller uenig", 4: "Enig", 5: "Helt enig",
           DONT_KNOW: "Ved ikke"},
    "en": {1: "Strongly disagree", 2: "Disagree", 3: "Neither agree nor disagree", 4: "Agree",
           5: "Strongly agree", DONT_KNOW: "Don't know"},
}
VALUES = (1, 2, 3, 4, 5, DONT_KNOW)
CUSTOM_PREFIX = "custom-"


def is_custom(key: str) -> bool:
    return key.startswith(CUSTOM_PREFIX) and key[len(CUSTOM_PREFIX):].isdigit()


def scale(lang: str) -> list[dict[str, object]]:
    """The scale as the widget shows it: 1 to 5, then "don't know"."""
    labels = SCALE[lang if lang in SCALE else "en"]
    return [{"value": value, "label": labels[value]} for value in VALUES]


def key_of(statement: str | Mapping) -> str:
    """A pulse's statement is a library key, or a custom ``{"key", "text"}``."""
    return statement if isinstance(statement, str) else str(statement["key"])


def text(statement: str | Mapping, lang: str, wording: str) -> str:
    """A statement's words for one language and wording. A custom statement's missing language or
    wording falls back to its first text given (staff may write a single text for all)."""
    if isinstance(statement, str):
        return STATEMENTS[statement][lang if lang in LANGS else "en"][wording]
    texts = statement["text"]
    given = texts.get(lang) or next(iter(texts.values()))
    if isinstance(given, str):
        return given
    return given.get(wording) or next(iter(given.values()))
