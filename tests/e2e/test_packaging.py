"""`pip install .` (the README's first command) must ship everything `engagement serve` needs."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_wheel_contains_the_packages_and_the_migrations(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("tillit-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"engagement/migrations/env.py", "engagement/migrations/script.py.mako",
            "engagement/migrations/versions/0001_initial_tables.py", "engagement/consumers/ledger.py",
            "engagement/schemas/events.py"} <= names
    assert not [n for n in names if n.startswith(("consumers/", "schemas/"))]  # no top-level names claimed
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "engagement = engagement.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
