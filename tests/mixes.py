"""Event mixes shared by tests and benchmarks."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from engagement.events import Event, Target


def awards_mix(ids: list[str], count: int, rng: random.Random, scale: tuple[int, int, int, int] = (600, 200, 300, 60),
               start: datetime = datetime(2026, 9, 20, tzinfo=UTC), source: str = "bench") -> list[Event]:
    """Every kind of event the awards handle, among ``ids`` over ``days``, in shuffled time
    order: half from the intranet's back end (stating owners), half from users (stating none, so
    credits wait for their owner), unlikes, repeated and displaced Bra!s, ideas developed, adopted
    and answered. ``scale``: (articles and contributions, ideas, Bra! givers, days). For comparing
    two versions' rows, not for timing (bench/awards_rate.py --mixed; the awards' PostgreSQL test
    at a test's scale)."""
    things, ideas, givers, days = scale
    out = []
    for i in range(count):
        actor, owner = rng.choice(ids), rng.choice(ids)
        when = start + timedelta(seconds=rng.randrange(days * 86400))
        by = "bench" if rng.random() < 0.5 else f"user:{actor}"
        roll, data = rng.random(), {}
        if roll < 0.35:
            kind = "like.removed" if rng.random() < 0.2 else "like.added"
            where = rng.choice((("article", f"a{rng.randrange(things)}"), ("contribution", f"k{rng.randrange(things)}"),
                                ("idea", f"i{rng.randrange(ideas)}")))
            target = Target(*where, owner)
        elif roll < 0.5:
            kind, target = "comment.posted", Target("article", f"a{rng.randrange(things)}", owner)
            data = {"comment_id": f"c{i}"}
        elif roll < 0.62:
            kind, target = "kudos.given", Target("person", rng.choice(ids[:givers]), "")
            actor = rng.choice(ids[:givers])
        elif roll < 0.72:
            kind, target = "content.published", Target("article", f"a{rng.randrange(things)}", actor)
        elif roll < 0.78:
            kind, target = "idea.submitted", Target("idea", f"i{rng.randrange(ideas)}", actor)
        elif roll < 0.93:
            kind, target = "idea.contributed", Target("idea", f"i{rng.randrange(ideas)}", owner)
            data = {"contribution_id": f"k{rng.randrange(things)}"}
        else:
            kind = rng.choice(("idea.adopted", "idea.answered"))
            target = Target("idea", f"i{rng.randrange(ideas)}", owner)
            data = {"status": rng.choice(("adopted", "declined"))} if kind == "idea.answered" else {}
            by = "bench"
        out.append(Event(f"mix-{i}", kind, actor, target, when, source, data=data, submitted_by=by))
    return out
