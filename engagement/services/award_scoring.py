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


def diminishing(counts: Counter) -> float:
    """Sum over colleagues of 1 + 1/2 + 1/4 + ... for each one's recognitions."""
    return sum((1 - HALF ** n) / (1 - HALF) for n in counts.values())


def score(credits: list[Credit], adopted_ideas: set[str], points: dict[str, float]) -> dict[str, dict]:
    """Each category's score and the facts behind it, for one person and month."""
    recognitions = [c for c in credits if c.kind == "recognition"]
    contributions = [c for c in credits if c.kind == "contribution"]
    by_colleague = Counter(c.colleague for c in recognitions)
    appreciated = diminishing(by_colleague)
    own = sum(points.get(c.action, 0.0) for c in contributions)
    developed = [c for c in contributions if c.action == "idea.contributed" and c.colleague]
    received_on = Counter(c.colleague for c in recognitions if c.ref.startswith("contribution:"))
    developer = sum(points["idea.contributed"] * (2 if c.ref.removeprefix("idea:") in adopted_ideas else 1)
                    for c in developed) + (diminishing(received_on) if developed else 0.0)
    teams = {c.colleague_team for c in recognitions if c.colleague_team}
    helped = {c.colleague_team for c in contributions
              if c.colleague and c.colleague_team and c.colleague_team != c.person_team}
    facts = {"contributions": len(contributions), "colleagues": len(by_colleague), "teams": len(teams),
             "developed_ideas": len({c.ref for c in developed}),
             "adopted_ideas": len({c.ref for c in developed if c.ref.removeprefix("idea:") in adopted_ideas}),
             "helped_teams": len(helped)}
    return {"contributor": {"score": round(own + appreciated, 4), "facts": facts},
            "idea_developer": {"score": round(developer, 4), "facts": facts},
            "appreciated": {"score": round(appreciated, 4), "facts": facts}}


def ranking(rows: list[tuple[str, float, dict]]) -> list[tuple[str, float, dict]]:
    """Highest score first; ties by more distinct colleagues, then by person id."""
    return sorted((r for r in rows if r[1] > 0), key=lambda r: (-r[1], -r[2].get("colleagues", 0), r[0]))
