"""The README's configuration table is generated from the code; it must not drift."""
from __future__ import annotations

from pathlib import Path

from engagement.config import settings_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_lists_every_setting_as_the_code_declares_it():
    text = README.read_text()
    start = text.index("<!-- settings-table:start -->") + len("<!-- settings-table:start -->")
    end = text.index("<!-- settings-table:end -->")
    assert text[start:end].strip() == settings_table(), "run: python -m engagement.config"
