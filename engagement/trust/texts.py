"""The trust report's words in bokmål, nynorsk, Danish and English: each flag's title, its
reason with the numbers, and a suggested action drawn from the Nordic writing on trust."""
from __future__ import annotations

FLAGS = ("low_sharing", "declining", "quiet_leaders", "silo", "one_person", "unanswered_ideas")

TEXTS: dict[str, dict[str, tuple[str, str, str]]] = {
    "nb": {
        "low_sharing": ("Lite deling",
                        "{sharers} av {members} medlemmer ({share} %) delte noe i perioden; grensen er {limit} %.",
                        "Gi teamets ildsjeler rom, og la lederne gå foran med å dele selv."),
        "declining": ("Deling går ned",
                      "Bidrag per medlem falt {drop} % mot teamets tre foregående måneder ({now} mot {before} per 30 dager).",
                      "Spør teamet hva som har endret seg, og gjør det uformelle formelt med planlagte kaffeprater."),
        "quiet_leaders": ("Stille ledere",
                          "{active} av {leaders} ledere var aktive i perioden; grensen er {limit} %.",
                          "Ledere går først: del noe selv, lik og svar på andres bidrag."),
        "silo": ("Silo",
                 "Bare {share} % av teamets {interactions} samhandlinger var med andre team; grensen er {limit} %.",
                 "Gjør det uformelle formelt: planlagte kaffeprater og felles idémøter med naboteamene."),
        "one_person": ("Hviler på én person",
                       "Én person sto for {share} % av teamets {contributions} bidrag; grensen er {limit} %.",
                       "Løft fram flere stemmer: inviter andre til å dele, og la entusiastene dra med seg flere."),
        "unanswered_ideas": ("Ubesvarte idéer",
                             "{count} idéer fra teamet har stått uten svar i mer enn {days} dager.",
                             "Lukk sløyfen: svar på idéene, også når svaret er nei, og si hva som skjedde."),
    },
    "nn": {
        "low_sharing": ("Lite deling",
                        "{sharers} av {members} medlemmer ({share} %) delte noko i perioden; grensa er {limit} %.",
                        "Gje eldsjelene i teamet rom, og la leiarane gå føre med å dele sjølve."),
        "declining": ("Delinga går ned",
                      "Bidrag per medlem fall {drop} % mot dei tre føregåande månadene til teamet ({now} mot {before} per 30 dagar).",
                      "Spør teamet kva som har endra seg, og gjer det uformelle formelt med planlagde kaffiprat."),
        "quiet_leaders": ("Stille leiarar",
                          "{active} av {leaders} leiarar var aktive i perioden; grensa er {limit} %.",
                          "Leiarar går føre: del noko sjølv, lik og svar på bidraga til andre."),
        "silo": ("Silo",
                 "Berre {share} % av dei {interactions} samhandlingane til teamet var med andre team; grensa er {limit} %.",
                 "Gjer det uformelle formelt: planlagde kaffiprat og felles idémøte med nabotema."),
        "one_person": ("Kviler på éin person",
                       "Éin person stod for {share} % av dei {contributions} bidraga til teamet; grensa er {limit} %.",
                       "Løft fram fleire røyster: inviter andre til å dele, og la entusiastane dra med seg fleire."),
        "unanswered_ideas": ("Idéar utan svar",
                             "{count} idéar frå teamet har stått utan svar i meir enn {days} dagar.",
                             "Lukk sløyfa: svar på idéane, også når svaret er nei, og sei kva som skjedde."),
    },
    "da": {
        "low_sharing": ("Lidt deling",
                        "{sharers} af {members} medlemmer ({share} %) delte noget i perioden; grænsen er {limit} %.",
                        "Giv teamets ildsjæle plads, og lad lederne gå forrest med selv at dele."),
        "declining": ("Delingen falder",
                      "Bidrag pr. medlem faldt {drop} % mod teamets tre foregående måneder ({now} mod {before} pr. 30 dage).",
                      "Spørg teamet, hvad der har ændret sig, og gør det uformelle formelt med planlagte kaffemøder."),
        "quiet_leaders": ("Tavse ledere",
                          "{active} af {leaders} ledere var aktive i perioden; grænsen er {limit} %.",
                          "Ledere går forrest: del selv, synes godt om og svar på andres bidrag."),
        "silo": ("Silo",
                 "Kun {share} % af teamets {interactions} interaktioner var med andre teams; grænsen er {limit} %.",
                 "Gør det uformelle formelt: planlagte kaffemøder og fælles idémøder med naboteams."),
        "one_person": ("Hviler på én person",
                       "Én person stod for {share} % af teamets {contributions} bidrag; grænsen er {limit} %.",
                       "Løft flere stemmer frem: inviter andre til at dele, og lad entusiasterne trække flere med."),
        "unanswered_ideas": ("Ubesvarede idéer",
                             "{count} idéer fra teamet har stået uden svar i mere end {days} dage.",
                             "Luk sløjfen: svar på idéerne, også når svaret er nej, og fortæl hvad der skete."),
    },
    "en": {
        "low_sharing": ("Little sharing",
                        "{sharers} of {members} members ({share} %) shared anything in the period; the threshold is {limit} %.",
                        "Give the team's enthusiasts room, and let leaders go first by sharing themselves."),
        "declining": ("Sharing is declining",
                      "Contributions per member fell {drop} % against the team's previous three months ({now} vs {before} per 30 days).",
                      "Ask the team what has changed, and make the informal formal with planned coffee chats."),
        "quiet_leaders": ("Quiet leaders",
                          "{active} of {leaders} leaders were active in the period; the threshold is {limit} %.",
                          "Leaders go first: share something, like and answer other people's contributions."),
        "silo": ("Silo",
                 "Only {share} % of the team's {interactions} interactions were with other teams; the threshold is {limit} %.",
                 "Make the informal formal: planned coffee chats and joint idea meetings with neighbouring teams."),
        "one_person": ("Resting on one person",
                       "One person made {share} % of the team's {contributions} contributions; the threshold is {limit} %.",
                       "Bring out more voices: invite others to share, and let the enthusiasts bring others along."),
        "unanswered_ideas": ("Unanswered ideas",
                             "{count} ideas from the team have had no answer for more than {days} days.",
                             "Close the loop: answer the ideas, also when the answer is no, and say what happened."),
    },
}
LANGS = tuple(TEXTS)


def describe(flag: str, lang: str, numbers: dict) -> dict:
    """A flag as the report shows it: title, reason with the numbers, suggested action."""
    title, reason, action = TEXTS[lang][flag]
    return {"flag": flag, "title": title, "reason": reason.format(**numbers), "action": action}
