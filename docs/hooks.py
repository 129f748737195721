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
INVENTORY_HEADER = ("| table and its columns with a person | purpose and legal basis | kept | on erasure |\n"
                    "| --- | --- | --- | --- |")


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


def _row(table) -> str:
    """One table of the inventory: four columns, so the page needs no sideways scrolling."""
    return (f"| **`{table.table}`**<br>{_columns(table)} | {_cell(table.purpose)}<br>*{_cell(table.legal_basis)}* "
            f"| {_cell(table.retention)} | {_cell(table.on_erasure)} |")


def inventory_table() -> str:
    """The inventory as engagement.privacy.inventory declares it: a section per domain, a row per table,
    in the order the code lists them."""
    inventory = _tillit("engagement.privacy.inventory")
    domains: dict[str, list] = {}
    for table in inventory.INVENTORY:
        domains.setdefault(table.domain, []).append(table)
    return "\n\n".join("\n".join([f"### {domain.capitalize()}", "", INVENTORY_HEADER, *map(_row, tables)])
                       for domain, tables in domains.items())


def tables_without_person() -> str:
    """The tables declared free of personal data, so a reader sees the inventory is the whole database."""
    inventory = _tillit("engagement.privacy.inventory")
    return "\n" + ", ".join(f"`{name}`" for name in sorted(inventory.NO_PERSONAL_DATA)) + ".\n"


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
