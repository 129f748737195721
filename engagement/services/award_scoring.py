"""How a month's award scores are computed: a pure function of a person's credits.

Rules (PRODUCT.md, issue 6), all documented in the README:

* points per contribution type are configurable (``ENGAGEMENT_AWARD_POINTS``);
* nobody recognises themselves: such credits are never stored;
* recognition from the same colleague has diminishing returns within the month:
  the n-th counts ``HALF ** (n - 1)``, so one colleague is worth at most 2 and a ring of a
  few people liking everything of each other cannot beat broad recognition;
* unlikes take their like back (the credit turns inactive);
* contributions to someone else's idea count double once that idea is adopted;
* ties go to more distinct colleagues, then to the person id (alphabetical), so the
  result never depends on arrival order.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

HALF = 0.5
DEFAULT_POINTS = {"content.published": 5.0, "idea.submitted": 4.0, "idea.contributed": 3.0,
                  "comment.posted": 1.0}
CATEGORIES = ("contributor", "idea_developer", "appreciated")
HELPED_TEAMS_THRESHOLD = 3


@dataclass(frozen=True)
class Credit:
    kind: str  # recognition or contribution
    action: str
    colleague: str | None
    ref: str
    person_team: str | None
    colleague_team: str | None


def diminishing(counts: dict[str, int]) -> float:
    """Sum over colleagues of 1 + 1/2 + 1/4 + ... for each one's recognitions."""
    return sum((1 - HALF ** n) / (1 - HALF) for n in counts.values())


# What a month's credits are counted by (AwardTally.facet): scores need only these counts.
COLLEAGUE, ON_CONTRIBUTION, COLLEAGUE_TEAM = "colleague", "on_contribution", "colleague_team"
ACTION, IDEA, HELPED_TEAM = "action", "idea", "helped_team"
FACETS = (COLLEAGUE, ON_CONTRIBUTION, COLLEAGUE_TEAM, ACTION, IDEA, HELPED_TEAM)
PERSON_FACETS = (COLLEAGUE, ON_CONTRIBUTION)  # facets whose key is a person
Tally = dict[str, Counter]  # facet -> key -> count


def counted_as(credit: Credit) -> list[tuple[str, str]]:
    """The (facet, key) counts one active credit adds to."""
    if credit.kind == "recognition":
        out = [(COLLEAGUE, credit.colleague)]
        if credit.ref.startswith("contribution:"):
            out.append((ON_CONTRIBUTION, credit.colleague))
        if credit.colleague_team:
            out.append((COLLEAGUE_TEAM, credit.colleague_team))
        return out
    out = [(ACTION, credit.action)]
    if credit.action == "idea.contributed" and credit.colleague:
        out.append((IDEA, credit.ref))
    if credit.colleague and credit.colleague_team and credit.colleague_team != credit.person_team:
        out.append((HELPED_TEAM, credit.colleague_team))
    return out


def tally(credits: list[Credit]) -> Tally:
    counts: Tally = {facet: Counter() for facet in FACETS}
    for credit in credits:
        for facet, key in counted_as(credit):
            counts[facet][key] += 1
    return counts


def score(credits: list[Credit], adopted_ideas: set[str], points: dict[str, float]) -> dict[str, dict]:
    """Each category's score and the facts behind it, for one person and month."""
    return score_tallied(tally(credits), adopted_ideas, points)


def score_tallied(counts: Tally, adopted_ideas: set[str], points: dict[str, float]) -> dict[str, dict]:
    """The same from the counts alone, so a batch never reads a month's credits back."""
    live = {facet: {k: n for k, n in sorted(counts.get(facet, {}).items()) if n > 0} for facet in FACETS}
    appreciated = diminishing(live[COLLEAGUE])
    own = sum(points.get(action, 0.0) * n for action, n in live[ACTION].items())
    developed = live[IDEA]
    adopted = [ref for ref in developed if ref.removeprefix("idea:") in adopted_ideas]
    developer = sum(points["idea.contributed"] * n * (2 if ref in adopted else 1) for ref, n in developed.items()) \
        + (diminishing(live[ON_CONTRIBUTION]) if developed else 0.0)
    facts = {"contributions": sum(live[ACTION].values()), "colleagues": len(live[COLLEAGUE]),
             "teams": len(live[COLLEAGUE_TEAM]), "developed_ideas": len(developed), "adopted_ideas": len(adopted),
             "helped_teams": len(live[HELPED_TEAM])}
    return {"contributor": {"score": round(own + appreciated, 4), "facts": facts},
            "idea_developer": {"score": round(developer, 4), "facts": facts},
            "appreciated": {"score": round(appreciated, 4), "facts": facts}}


def ranking(rows: list[tuple[str, float, dict]]) -> list[tuple[str, float, dict]]:
    """Highest score first; ties by more distinct colleagues, then by person id."""
    return sorted((r for r in rows if r[1] > 0), key=lambda r: (-r[1], -r[2].get("colleagues", 0), r[0]))
