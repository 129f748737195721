"""How a month's award scores are computed: a pure function of a person's credits.

Rules, all documented in the README:

* points per contribution type are configurable (``ENGAGEMENT_AWARD_POINTS``);
* nobody recognises themselves: such credits are never stored;
* recognition from the same colleague has diminishing returns within the month:
  the n-th counts ``0.5 ** (n - 1)``, so one colleague is worth at most 2 and a ring of a
  few people liking everything of each other cannot beat broad recognition; counted in whole
  units of 2**-31, so sums are exact in any order, and from the 33rd on (less than a
  billionth each) nothing;
* unlikes take their like back (the credit turns inactive);
* own contributions count only as far as distinct colleagues recognised the person: up to
  ``POINTS_PER_BACKER`` for each recognising colleague and as much again for each team they
  come from, so breadth across teams weighs more than depth, and volume that only a closed
  circle appreciates cannot win (four people publishing 30 articles each and
  liking only each other's lose to one person whose five articles 25 colleagues liked);
* contributions to someone else's idea have diminishing returns per idea (the n-th to the same
  idea counts ``0.5 ** (n - 1)``, in the same exact units), count double once that idea is
  adopted, and one colleague's ideas together give at most ``IDEA_UNITS_PER_OWNER``
  contributions' worth: developing many people's ideas wins, forty "+1"s on one friend's idea
  (or one each on forty of the friend's ideas) do not;
* ties go to more distinct colleagues, then to the person id (alphabetical), so the
  result never depends on arrival order.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields

DEFAULT_POINTS = {"content.published": 5.0, "idea.submitted": 4.0, "idea.contributed": 3.0,
                  "comment.posted": 1.0}
CATEGORIES = ("contributor", "idea_developer", "appreciated")
HELPED_TEAMS_THRESHOLD = 3
POINTS_PER_BACKER = 5.0  # own points one recognising colleague (or one more team of them) backs
IDEA_UNITS_PER_OWNER = 3  # contributions' worth one idea owner's ideas can give a developer


@dataclass(frozen=True)
class Credit:
    kind: str  # recognition or contribution
    action: str
    colleague: str | None
    ref: str
    person_team: str | None
    colleague_team: str | None


FROM_ONE_COUNTED = 32  # recognitions from one colleague in a month that add to a score
UNIT = 2 ** 31  # scores from diminishing returns are whole multiples of 1/UNIT


def diminishing_units(n: int) -> int:
    """1 + 1/2 + ... + 1/2**(n-1) in units of 1/UNIT: exact, so increments add up in any order."""
    return 2 * UNIT - (2 * UNIT >> min(n, FROM_ONE_COUNTED)) if n > 0 else 0


# What a month's credits are counted by (AwardTally.facet): scores need only these counts.
COLLEAGUE, ON_CONTRIBUTION, COLLEAGUE_TEAM = "colleague", "on_contribution", "colleague_team"
ACTION, IDEA, HELPED_TEAM, IDEA_OWNER = "action", "idea", "helped_team", "idea_owner"
FACETS = (COLLEAGUE, ON_CONTRIBUTION, COLLEAGUE_TEAM, ACTION, IDEA, HELPED_TEAM, IDEA_OWNER)
PERSON_FACETS = (COLLEAGUE, ON_CONTRIBUTION, IDEA_OWNER)  # facets whose key is a person
READ_AS_IS = (ACTION, IDEA, IDEA_OWNER)  # the few tallies rescoring reads besides the summary
Tally = dict[str, Counter]  # facet -> key -> count


def counted_as(credit: Credit) -> list[tuple[str, str | None]]:
    """The (facet, key) counts one active credit adds to."""
    return facets_of(credit.kind, credit.action, credit.colleague, credit.ref, credit.person_team,
                     credit.colleague_team)


def facets_of(kind: str, action: str, colleague: str | None, ref: str, person_team: str | None,
              colleague_team: str | None) -> list[tuple[str, str | None]]:
    """:func:`counted_as` from the credit's fields: the consumer counts thousands of credits a
    batch, and building a frozen Credit for each only to read it back cost more than the counting."""
    if kind == "recognition":
        out = [(COLLEAGUE, colleague)]
        if ref.startswith("contribution:"):
            out.append((ON_CONTRIBUTION, colleague))
        if colleague_team:
            out.append((COLLEAGUE_TEAM, colleague_team))
        return out
    out = [(ACTION, action)]
    if action == "idea.contributed" and colleague:
        out += [(IDEA, ref), (IDEA_OWNER, colleague)]
    if colleague and colleague_team and colleague_team != person_team:
        out.append((HELPED_TEAM, colleague_team))
    return out


def tally(credits: list[Credit]) -> Tally:
    counts: Tally = {facet: Counter() for facet in FACETS}
    for credit in credits:
        for facet, key in counted_as(credit):
            counts[facet][key] += 1
    return counts


@dataclass
class Summary:
    """What a person's month adds up to over the facets with one key per colleague or team, kept
    by increments (AwardSummary), so rescoring never reads those many keys back."""

    appreciated_units: int = 0
    colleagues: int = 0
    teams: int = 0
    on_contribution_units: int = 0
    helped_teams: int = 0


SUMMARISED = (COLLEAGUE, ON_CONTRIBUTION, COLLEAGUE_TEAM, HELPED_TEAM)
SUMMARY_FIELDS = tuple(f.name for f in fields(Summary))


def summary_change(facet: str, old: int, new: int) -> dict[str, int]:
    """How the summary moves when one (facet, key) count goes from ``old`` to ``new``."""
    entered = (new > 0) - (old > 0)
    if facet == COLLEAGUE:
        return {"appreciated_units": diminishing_units(new) - diminishing_units(old), "colleagues": entered}
    if facet == ON_CONTRIBUTION:
        return {"on_contribution_units": diminishing_units(new) - diminishing_units(old)}
    if facet == COLLEAGUE_TEAM:
        return {"teams": entered}
    if facet == HELPED_TEAM:
        return {"helped_teams": entered}
    return {}


def summarise(counts: Tally) -> Summary:
    summary = Summary()
    for facet in SUMMARISED:
        for n in counts.get(facet, {}).values():
            for field, change in summary_change(facet, 0, n).items():
                setattr(summary, field, getattr(summary, field) + change)
    return summary


def score(credits: list[Credit], adopted_ideas: set[str], points: dict[str, float]) -> dict[str, dict]:
    """Each category's score and the facts behind it, for one person and month."""
    counts = tally(credits)
    return score_summarised(summarise(counts), counts[ACTION], counts[IDEA], adopted_ideas, points,
                            counts[IDEA_OWNER])


def score_summarised(summary: Summary, actions: dict[str, int], ideas: dict[str, int], adopted_ideas: set[str],
                     points: dict[str, float], idea_owners: dict[str, int] | None = None) -> dict[str, dict]:
    """The same from the summary and the person's few action, idea and idea-owner counts."""
    appreciated = summary.appreciated_units / UNIT
    own = backed(sum(points.get(action, 0.0) * n for action, n in sorted(actions.items()) if n > 0), summary)
    developed = {ref: n for ref, n in sorted(ideas.items()) if n > 0}
    adopted = [ref for ref in developed if ref.removeprefix("idea:") in adopted_ideas]
    owners = sum(1 for n in (idea_owners or {}).values() if n > 0)
    developer = points["idea.contributed"] * developed_units(developed, set(adopted), owners) / UNIT \
        + (summary.on_contribution_units / UNIT if developed else 0.0)
    facts = {"contributions": sum(n for n in actions.values() if n > 0), "colleagues": summary.colleagues,
             "teams": summary.teams, "developed_ideas": len(developed), "adopted_ideas": len(adopted),
             "idea_owners": owners, "helped_teams": summary.helped_teams}
    return {"contributor": {"score": round(own + appreciated, 4), "facts": facts},
            "idea_developer": {"score": round(developer, 4), "facts": facts},
            "appreciated": {"score": round(appreciated, 4), "facts": facts}}


def developed_units(developed: dict[str, int], adopted: set[str], owners: int) -> int:
    """Contributions' worth of developing others' ideas, in units of 1/UNIT: diminishing per idea
    (so depth on one idea is worth at most two contributions, four once adopted) and at most
    ``IDEA_UNITS_PER_OWNER`` per distinct idea owner, so only breadth across colleagues' ideas
    adds up. Whole units: the same in any order, from counts alone."""
    worth = sum(diminishing_units(n) * (2 if ref in adopted else 1) for ref, n in developed.items())
    return min(worth, IDEA_UNITS_PER_OWNER * UNIT * owners)


def backed(own: float, summary: Summary) -> float:
    """Own contribution points as far as recognition from distinct colleagues and teams backs them:
    volume nobody (or only the same few) appreciated does not count past what they vouch for."""
    return min(own, POINTS_PER_BACKER * (summary.colleagues + summary.teams))


def ranking(rows: list[tuple[str, float, dict]]) -> list[tuple[str, float, dict]]:
    """Highest score first; ties by more distinct colleagues, then by person id."""
    return sorted((r for r in rows if r[1] > 0), key=lambda r: (-r[1], -r[2].get("colleagues", 0), r[0]))
