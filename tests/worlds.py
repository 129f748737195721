"""Seeded worlds: a test module's costly seeding runs once, and its other tests start from a copy.

A copy is taken with SQLite's online backup (database and event log) and Redis's DUMP/RESTORE (when
the app has a Redis), so
it is the same world the seeding made, without the seconds it takes to send it through the API.
"""
from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from engagement.state import state

DATABASE, EVENT_LOG = "db.sqlite3", "events.sqlite3"
T = TypeVar("T")


@dataclass(frozen=True)
class World:
    """What a seeding left behind: copies of the database and event log, Redis's keys (with their
    time to live), and what the seed returned (its keys and tokens still sign in: the copy holds them)."""
    folder: Path
    redis: dict[bytes, tuple[int, bytes]]
    value: Any


class Worlds(dict[str, World]):
    """The seeded worlds of one test module, by name, with a folder for their copies."""

    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder


def seeded(app, worlds: Worlds, name: str, seed: Callable[[], T]) -> T:
    """Run ``seed()`` (through the API, as a user would) for the module's first test that asks; every
    later test starts from a copy of what it left instead, the same world without the time it takes.

    The copy replaces the app's whole database and event log, so ask for this before anything else
    writes (a key made earlier would be gone and its requests would fail, loudly)."""
    world = worlds.get(name)
    if world is None:
        value = seed()
        folder = worlds.folder / name
        folder.mkdir()
        for source, copy in zip(_files(app), (folder / DATABASE, folder / EVENT_LOG), strict=True):
            _backup(source, copy)
        redis = state(app).redis  # None on the embedded default: then the database is all there is
        dumped = {key: (max(redis.pttl(key), 0), redis.dump(key)) for key in redis.keys("*")} if redis else {}
        worlds[name] = World(folder, dumped, value)
        return value
    for copy, target in zip((world.folder / DATABASE, world.folder / EVENT_LOG), _files(app), strict=True):
        _backup(copy, target)
    redis = state(app).redis
    for key, (ttl, dumped) in world.redis.items() if redis else ():
        redis.restore(key, ttl, dumped, replace=True)
    return world.value


def _files(app) -> tuple[Path, Path]:
    url = app.config["ENGAGEMENT_DATABASE_URL"]
    assert url.startswith("sqlite:///"), f"only an embedded app's files can be copied, not {url}"
    return Path(url.removeprefix("sqlite:///")), Path(app.config["ENGAGEMENT_EVENT_LOG"])


def _backup(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy (write-ahead log included) even while the app holds
    connections to either file, which then read the new content."""
    with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
