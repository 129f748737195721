"""`pip install .` (the README's first command) must ship everything `engagement serve` needs."""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
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
            "engagement/schemas/events.py", "engagement/bus/kafka.py", "engagement/trust/service.py",
            "engagement/static/tillit.js", "engagement/translations/nn/LC_MESSAGES/messages.po"} <= names
    # A host app may have its own "consumers" or "schemas" package: Tillit claims neither name.
    assert not any(n.startswith(("consumers/", "schemas/")) for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "engagement = engagement.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_gunicorn_in_a_checkout_root_finds_the_read_models(tmp_path):
    """`gunicorn wsgi:app` run in the repository's root imports the checkout's engagement/, where
    consumers/ and schemas/ sit beside the package, not inside it (the Dockerfile's layout too).
    -S keeps the editable install's finder out, as a plain `pip install .` has none."""
    code = ("import wsgi, engagement.consumers.ledger as c, engagement.schemas.events as s;"
            "print(c.__file__, s.__file__)")
    env = {**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"], "ENGAGEMENT_INSTANCE_PATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-S", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(ROOT / "consumers" / "ledger.py"), str(ROOT / "schemas" / "events.py")]
