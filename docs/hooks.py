"""MkDocs hook: the configuration page's table comes from engagement/config.py at every build.

A committed copy of the table would drift the day someone adds a setting; generating it here
means `mkdocs build --strict` on a clean clone always shows what the code reads.
"""
from __future__ import annotations

MARKER = "<!-- settings-table -->"


def settings_table() -> str:
    """The table as engagement.config declares it; the docs build needs Tillit installed
    (`pip install -e ".[docs]"`), which is what makes the table the code's own."""
    try:
        from engagement.config import settings_table as table
    except ImportError as exc:
        raise RuntimeError('the docs build imports Tillit: pip install -e ".[docs]"') from exc
    return table()


def on_page_markdown(markdown: str, page, **_) -> str:
    """Replace the marker with the generated table; a page that should have it and lost it fails."""
    if page.file.src_uri == "configuration.md":
        if MARKER not in markdown:
            raise ValueError(f"docs/configuration.md must contain {MARKER} for the generated table")
        return markdown.replace(MARKER, settings_table())
    return markdown
