"""The profile checklist: which fields make a complete profile, their weights and labels.

Configurable with ENGAGEMENT_PROFILE_CHECKLIST (a JSON file). A wrong checklist stops
start-up with an error that names the problem: weights must sum to 100, each step
needs a field, a weight and labels in nb, nn, da and en, and nothing else.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

LANGUAGES = ("nb", "nn", "da", "en")
STEP_KEYS = {"field", "weight", "labels"}


class ChecklistError(ValueError):
    """The configured checklist cannot be used; the message says why and where."""


@dataclass(frozen=True)
class Step:
    field: str
    weight: int
    labels: dict[str, str]


DEFAULT = [
    {"field": "photo", "weight": 20, "labels": {"nb": "Legg til et bilde", "nn": "Legg til eit bilete",
                                                 "da": "Tilføj et billede", "en": "Add a photo"}},
    {"field": "title", "weight": 15, "labels": {"nb": "Skriv stillingstittel", "nn": "Skriv stillingstittel",
                                                 "da": "Skriv din stillingsbetegnelse", "en": "Add your job title"}},
    {"field": "about", "weight": 15, "labels": {"nb": "Fortell litt om deg selv", "nn": "Fortel litt om deg sjølv",
                                                 "da": "Fortæl lidt om dig selv", "en": "Tell us about yourself"}},
    {"field": "skills", "weight": 20, "labels": {"nb": "Legg til kompetanse", "nn": "Legg til kompetanse",
                                                  "da": "Tilføj kompetencer", "en": "Add your skills"}},
    {"field": "languages", "weight": 10, "labels": {"nb": "Legg til språk", "nn": "Legg til språk",
                                                     "da": "Tilføj sprog", "en": "Add languages"}},
    {"field": "location", "weight": 10, "labels": {"nb": "Legg til arbeidssted", "nn": "Legg til arbeidsstad",
                                                    "da": "Tilføj arbejdssted", "en": "Add your location"}},
    {"field": "ask_me_about", "weight": 10, "labels": {"nb": "Hva kan folk spørre deg om?",
                                                        "nn": "Kva kan folk spørje deg om?",
                                                        "da": "Hvad kan folk spørge dig om?",
                                                        "en": "What can people ask you about?"}},
]


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
    label = (lambda s: s.labels.get(lang, s.labels["en"]))
    return {"percent": sum(s.weight for s in done),
            "steps": [{"field": s.field, "label": label(s), "weight": s.weight, "done": s.field in present}
                      for s in steps],
            "next": {"field": missing[0].field, "label": label(missing[0]), "gain": missing[0].weight}
            if missing else None}
