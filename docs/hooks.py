"""MkDocs hook: the tables that must say what the code does are generated from the code at every build.

A committed copy of a table would drift the day someone adds a setting or a person column;
generating it here means `mkdocs build --strict` on a clean clone always shows what the code reads
(the configuration page, from engagement/config.py) and what it holds about people (the privacy
inventory page, from engagement/privacy/inventory.py).
"""
from __future__ import annotations

from collections.abc import Callable

SETTINGS_MARKER = "<!-- settings-table -->"
INVENTORY_MARKER = "<!-- privacy-inventory -->"
NO_PERSON_MARKER = "<!-- privacy-no-person -->"
INVENTORY_HEADER = ("| table | domain | columns with a person | purpose | legal basis | kept | on erasure |\n"
                    "| --- | --- | --- | --- | --- | --- | --- |")


def _tillit(module: str):
    """Import a Tillit module; the docs build needs Tillit installed (`pip install -e ".[docs]"`),
    which is what makes the tables the code's own."""
    from importlib import import_module
    try:
        return import_module(module)
    except ImportError as exc:
        raise RuntimeError(f'the docs build imports {module}: pip install -e ".[docs]"') from exc


def settings_table() -> str:
    """The configuration table as engagement.config declares it."""
    return _tillit("engagement.config").settings_table()


def _cell(text: str) -> str:
    """One table cell: a pipe or a line break in a purpose would break the Markdown table."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _columns(table) -> str:
    """Each column with how the person appears in it (id, ref, label, ...), as the inventory says."""
    return "<br>".join(f"`{c.name}` ({c.form.value})" + (f": {_cell(c.note)}" if c.note else "")
                       for c in table.columns)


def inventory_table() -> str:
    """The inventory as engagement.privacy.inventory declares it: one row per table."""
    inventory = _tillit("engagement.privacy.inventory")
    rows = [f"| `{t.table}` | {t.domain} | {_columns(t)} | {_cell(t.purpose)} | {_cell(t.legal_basis)} "
            f"| {_cell(t.retention)} | {_cell(t.on_erasure)} |"
            for t in sorted(inventory.INVENTORY, key=lambda t: (t.domain, t.table))]
    return "\n".join([INVENTORY_HEADER, *rows])


def tables_without_person() -> str:
    """Tillit's other tables, so a reader sees the inventory is the whole database, not a selection."""
    inventory = _tillit("engagement.privacy.inventory")
    listed = {t.table for t in inventory.INVENTORY}
    others = sorted(set(_tillit("engagement.tables").Base.metadata.tables) - listed)
    return "\n" + ", ".join(f"`{name}`" for name in others) + ".\n"


GENERATED: dict[str, tuple[tuple[str, Callable[[], str]], ...]] = {
    "configuration.md": ((SETTINGS_MARKER, settings_table),),
    "privacy/inventory.md": ((INVENTORY_MARKER, inventory_table), (NO_PERSON_MARKER, tables_without_person)),
}


def on_page_markdown(markdown: str, page, **_) -> str:
    """Replace a page's markers with the generated tables; a page that should have one and lost it fails."""
    for marker, generate in GENERATED.get(page.file.src_uri, ()):
        if marker not in markdown:
            raise ValueError(f"docs/{page.file.src_uri} must contain {marker} for the generated table")
        markdown = markdown.replace(marker, generate())
    return markdown
