"""The profile checklist: which fields make a complete profile, their weights and labels.

Configurable with ENGAGEMENT_PROFILE_CHECKLIST (a JSON file). A wrong checklist stops
start-up with an error that names the problem: weights must sum to 100, each step
needs a field, a weight and labels in nb, nn, da and en, and nothing else.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engagement.translations import LANGS, N_, in_every_language

LANGUAGES = LANGS
STEP_KEYS = {"field", "weight", "labels"}
# What a cleared field holds: a step is done when its field holds anything else. Here, beside the
# steps, because the read model and erasure (which keeps filled fields filled) must agree on it.
EMPTY: tuple[Any, ...] = (None, "", [], {})


class ChecklistError(ValueError):
    """The configured checklist cannot be used; the message says why and where."""


@dataclass(frozen=True)
class Step:
    field: str
    weight: int
    labels: dict[str, str]


# The default steps' labels come from the catalogs (engagement/translations), in every language.
DEFAULT = [{"field": field, "weight": weight, "labels": in_every_language(label)} for field, weight, label in (
    ("photo", 20, N_("Add a photo")),
    ("title", 15, N_("Add your job title")),
    ("about", 15, N_("Tell us about yourself")),
    ("skills", 20, N_("Add your skills")),
    ("languages", 10, N_("Add languages")),
    ("location", 10, N_("Add your location")),
    ("ask_me_about", 10, N_("What can people ask you about?")),
)]


def load(path: str | None) -> tuple[Step, ...]:
    if not path:
        return parse(DEFAULT)
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ChecklistError(f"ENGAGEMENT_PROFILE_CHECKLIST {path}: cannot read it as JSON: {exc}") from exc
    return parse(raw, source=path)


def parse(raw: object, source: str = "the default checklist") -> tuple[Step, ...]:
    if not isinstance(raw, list) or not raw:
        raise ChecklistError(f"{source}: must be a non-empty JSON list of steps")
    steps = tuple(_step(entry, index, source) for index, entry in enumerate(raw))
    fields = [s.field for s in steps]
    if len(set(fields)) != len(fields):
        raise ChecklistError(f"{source}: a field appears twice: {sorted(f for f in fields if fields.count(f) > 1)[0]}")
    total = sum(s.weight for s in steps)
    if total != 100:
        raise ChecklistError(f"{source}: the weights sum to {total}, not 100")
    return steps


def _step(entry: object, index: int, source: str) -> Step:
    where = f"{source}: step {index + 1}"
    if not isinstance(entry, dict):
        raise ChecklistError(f"{where}: must be an object")
    unknown = set(entry) - STEP_KEYS
    if unknown:
        raise ChecklistError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; use field, weight, labels")
    field, weight, labels = entry.get("field"), entry.get("weight"), entry.get("labels")
    if not isinstance(field, str) or not field.isidentifier():
        raise ChecklistError(f"{where}: field must be a name like 'photo'")
    if not isinstance(weight, int) or isinstance(weight, bool) or weight <= 0:
        raise ChecklistError(f"{where} ({field}): weight must be a positive whole number")
    if not isinstance(labels, dict) or set(labels) != set(LANGUAGES) or not all(
            isinstance(v, str) and v for v in labels.values()):
        raise ChecklistError(f"{where} ({field}): labels must give text for exactly {', '.join(LANGUAGES)}")
    return Step(field, weight, dict(labels))


def progress(steps: tuple[Step, ...], present: set[str], lang: str = "nb") -> dict:
    """Percentage, each step done or not, and the next best step (the heaviest missing one)."""
    done = [s for s in steps if s.field in present]
    missing = sorted((s for s in steps if s.field not in present), key=lambda s: (-s.weight, steps.index(s)))
    return {"percent": sum(s.weight for s in done),
            "steps": [{"field": s.field, "label": _label(s, lang), "weight": s.weight, "done": s.field in present}
                      for s in steps],
            "next": {"field": missing[0].field, "label": _label(missing[0], lang), "gain": missing[0].weight}
            if missing else None}


def _label(step: Step, lang: str) -> str:
    """The step's label in ``lang``, English for a language the checklist file does not give."""
    return step.labels.get(lang, step.labels["en"])
