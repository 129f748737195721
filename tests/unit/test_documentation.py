"""The README and the docs site say what the code does, build cleanly, and point nowhere outside
the repository.

The configuration page's table is generated from engagement/config.py, and the privacy inventory
page from engagement/privacy/inventory.py, at every build (docs/hooks.py), so they cannot drift;
the checks below catch what generation cannot: commands, settings, routes and links written by hand.
"""
from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest
from werkzeug.exceptions import HTTPException

from engagement.config import SETTINGS

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
TEXTS = [README, *PAGES]
SERVE_COMMAND = "python3 -m venv .venv && . .venv/bin/activate && pip install . && engagement serve --demo"
TEST_COMMAND = 'pip install -e ".[test]" && python -m pytest'
# Read before the app exists (engagement/app.py) or by the tests only, so not in SETTINGS.
OTHER_VARIABLES = {"ENGAGEMENT_INSTANCE_PATH", "ENGAGEMENT_LOG_LEVEL",
                   "ENGAGEMENT_TEST_POSTGRES_URL", "ENGAGEMENT_TEST_REDIS_URL",
                   "ENGAGEMENT_TEST_POSTGRES_CLUSTER"}
IN_CI = os.environ.get("CI", "").lower() == "true"


def code_in(text: str) -> list[str]:
    """Fenced blocks and inline code spans: where commands and routes are written."""
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.S | re.M)
    prose = re.sub(r"^```[^\n]*\n.*?^```", "", text, flags=re.S | re.M)
    return fenced + re.findall(r"`([^`\n]+)`", prose)


def links_in(text: str) -> list[str]:
    """Markdown link targets, autolinks and HTML href/src values."""
    return (re.findall(r"\]\(([^)\s]+)", text) + re.findall(r"<([a-z][a-z0-9+.-]*:[^>\s]+)>", text)
            + re.findall(r"(?:href|src)=\"([^\"]+)\"", text))


def test_the_readme_has_both_commands_exactly_and_ci_runs_the_test_one():
    readme = README.read_text(encoding="utf-8")
    blocks = [b.strip() for b in re.findall(r"^```sh\n(.*?)^```", readme, flags=re.S | re.M)]
    assert SERVE_COMMAND in blocks and TEST_COMMAND in blocks
    assert TEST_COMMAND in (ROOT / ".ci" / "run").read_text().splitlines()


def test_the_readme_reads_in_five_minutes():
    words = len(re.findall(r"\S+", README.read_text(encoding="utf-8")))
    assert words < 1000, f"README.md has {words} words; move detail into docs/"


def test_nothing_links_or_points_outside_the_repository():
    for path in TEXTS:
        text = path.read_text(encoding="utf-8")
        assert not re.findall(r"https?://\S+", text), f"{path.relative_to(ROOT)} names a web address"
        external = [t for t in links_in(text) if re.match(r"[a-z][a-z0-9+.-]*:", t, flags=re.I)]
        assert not external, f"{path.relative_to(ROOT)} links out: {external}"


def test_the_readme_links_only_to_files_in_the_repository():
    for target in links_in(README.read_text(encoding="utf-8")):
        assert (ROOT / target.split("#")[0]).is_file(), f"README.md links to a missing {target}"


def test_every_setting_the_docs_name_is_one_the_code_reads():
    known = {s.key for s in SETTINGS} | {a for s in SETTINGS for a in s.aliases} | OTHER_VARIABLES
    for path in TEXTS:
        named = set(re.findall(r"\bENGAGEMENT_[A-Z0-9_]*[A-Z0-9]\b", path.read_text(encoding="utf-8")))
        assert named <= known, f"{path.relative_to(ROOT)} names unknown settings: {sorted(named - known)}"


def test_every_engagement_command_the_docs_show_exists():
    from engagement.cli import engagement_commands
    commands = engagement_commands.commands
    for path in TEXTS:
        for code in code_in(path.read_text(encoding="utf-8")):
            for name, sub in re.findall(r"(?<![\w/.-])(?<!from )(?<!import )engagement ([a-z]+)(?: ([a-z]+))?", code):
                assert name in commands, f"{path.relative_to(ROOT)}: no command 'engagement {name}'"
                group = commands[name]
                if sub and hasattr(group, "commands"):
                    assert sub in group.commands, f"{path.relative_to(ROOT)}: no 'engagement {name} {sub}'"


def test_every_route_the_docs_show_is_served(app):
    """Written as `GET /v1/...`, with a placeholder (`<id>`) or an example id in a segment."""
    routes = app.url_map.bind("localhost")
    for path in TEXTS:
        for code in code_in(path.read_text(encoding="utf-8")):
            for method, route in re.findall(r"\b(GET|POST|PUT|PATCH|DELETE) (/[A-Za-z0-9/<>._-]+)", code):
                try:
                    routes.match(route, method=method)
                except HTTPException as missing:
                    pytest.fail(f"{path.relative_to(ROOT)}: {method} {route} is not served ({missing.code})")


def test_the_documented_gunicorn_command_is_the_images():
    """The production page's command and the Dockerfile's CMD must not drift apart."""
    line = next(text for text in (DOCS / "operations" / "production.md").read_text().splitlines()
                if text.startswith("gunicorn "))
    cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), flags=re.M).group(1)
    assert line.split("#")[0].split() == re.findall(r'"([^"]+)"', cmd)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The docs site built with --strict: a broken link, anchor or page fails the build."""
    if find_spec("mkdocs") is None or find_spec("material") is None:
        message = 'mkdocs-material is not installed (pip install -e ".[docs]")'
        if IN_CI:
            pytest.fail(message + " (CI must run every test)")
        pytest.skip(message)
    out = tmp_path_factory.mktemp("site")
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                           cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
                           timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    return out


def test_the_configuration_page_lists_every_setting_as_the_code_declares_it(site):
    page = (site / "configuration" / "index.html").read_text(encoding="utf-8")
    assert "settings-table" not in page
    for setting in SETTINGS:
        assert f"<code>{setting.key}</code>" in page, setting.key


def test_the_privacy_inventory_page_lists_every_table_and_column_as_the_code_declares_it(site):
    """What the data protection officer reads is the inventory erasure and export run on."""
    from engagement.privacy.inventory import INVENTORY, NO_PERSONAL_DATA
    page = (site / "privacy" / "inventory" / "index.html").read_text(encoding="utf-8")
    assert "privacy-inventory" not in page and "privacy-no-person" not in page
    for table in INVENTORY:
        row = page[page.index(f"<strong><code>{table.table}</code></strong>"):]
        row = row[:row.index("</tr>")]
        for column in table.columns:
            assert f"<code>{column.name}</code> ({column.form.value})" in row, (table.table, column.name)
        assert html.escape(table.retention.split("`")[0], quote=False) in row, table.table
    for name in NO_PERSONAL_DATA:
        assert f"<code>{name}</code>" in page, name


def test_the_site_fetches_nothing_from_the_web(site):
    """No Google fonts, no scripts or styles from elsewhere, no link out of the site."""
    for path in site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        outside = [v for v in re.findall(r"(?:href|src)=[\"']?([^\"'\s>]+)", html) if re.match(r"(https?:)?//", v)]
        assert not outside, f"{path.relative_to(site)} points outside: {outside}"
    for path in site.rglob("*.css"):
        assert not re.search(r"url\([\"']?(https?:)?//", path.read_text(encoding="utf-8")), path.name
