"""CSV import for the directory: teams.csv (id,name,parent) and people.csv
(id,name,email,team,role,locale,leaderboard_opt_out). Every bad row is reported with its
line number, and nothing is imported unless every row is good."""
from __future__ import annotations

import csv
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError
from sqlalchemy.orm import Session

from engagement.directory import service as directory
from engagement.errors import ValidationFailed
from engagement.ledger.service import flatten
from engagement.schemas.directory import PersonSchema, TeamSchema

TRUE = {"1", "true", "yes", "ja", "y"}


class CsvProblems(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def import_csv(session: Session, people: Path, teams: Path | None, mode: str, dry_run: bool,
               as_of: datetime | None) -> dict[str, Any]:
    team_rows, problems = _read(teams, TeamSchema(), "teams") if teams else ([], [])
    person_rows, person_problems = _read(people, PersonSchema(), "people")
    problems += person_problems
    if problems:
        raise CsvProblems(problems)
    payload = {"mode": mode, "as_of": as_of, "dry_run": dry_run, "teams": team_rows, "people": person_rows}
    try:
        return directory.sync(session, payload, datetime.now(UTC))
    except ValidationFailed as exc:
        raise CsvProblems([_located(e.field, e.message, people, teams) for e in exc.errors]) from exc


def _read(path: Path, schema: Schema, kind: str) -> tuple[list[dict], list[str]]:
    rows, problems = [], []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for line, raw in enumerate(csv.DictReader(handle), start=2):
            cleaned = {k.strip(): (v.strip() if isinstance(v, str) else v) for k, v in raw.items() if k}
            cleaned = {k: v for k, v in cleaned.items() if v not in ("", None)}
            if kind == "teams":
                cleaned.setdefault("parent", None)
            for flag in ("leaderboard_opt_out", "leaderboard_opt_in"):
                if flag in cleaned:
                    cleaned[flag] = cleaned[flag].lower() in TRUE
            try:
                rows.append(schema.load(cleaned))
            except ValidationError as exc:
                problems += [f"{path.name} line {line}: {e.field}: {e.message}" for e in flatten(exc.messages)]
    return rows, problems


def _located(field: str, message: str, people: Path, teams: Path | None) -> str:
    """'people.3.team' -> 'people.csv line 5: team'."""
    match = re.match(r"(teams|people)\.(\d+)\.(\w+)", field)
    if not match:
        return f"{field}: {message}"
    kind, index, name = match.groups()
    path = teams if kind == "teams" else people
    return f"{path.name if path else kind} line {int(index) + 2}: {name}: {message}"
