"""The widgets' texts from the same catalogs as the server's, so a translator edits one .po file.

The scripts call ``_("Like")`` and ``ngettext("{n} likes this", "{n} like this", n)`` with English
msgids. Before a script is served, Babel's JavaScript extractor lists the msgids it uses, and a
``TillitCore.addCatalogs({...})`` call carrying their translations in every language (and each
language's plural rule, as a function) is put in front of it: every language, because one page may
hold widgets in several (each follows the ``lang`` of the element around it).
"""
from __future__ import annotations

import json
import re
from io import BytesIO

from babel.messages.catalog import Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_javascript

from engagement.translations import LANGS, catalog

# A C plural expression as in the Plural-Forms header: n, numbers, operators, parentheses.
PLURAL_EXPRESSION = re.compile(r"[n0-9\s()!=<>&|?:%+\-*/]+")


def msgids(source: str) -> list[str]:
    """The msgids (the singular one of a plural pair) a script asks to have translated."""
    found = extract_javascript(BytesIO(source.encode("utf-8")), DEFAULT_KEYWORDS, [], {})
    return sorted({message if isinstance(message, str) else message[0] for _, _, message, _ in found})


def messages(lang: str, ids: list[str]) -> dict[str, str | list[str]]:
    """Each msgid's translation, or its plural forms in the language's order. Untranslated and fuzzy
    ones are left out, and so are texts the same as their msgid: the script shows the msgid."""
    table: dict[str, str | list[str]] = {}
    for msgid in ids:
        entry = catalog(lang).get(msgid)
        if entry is None or entry.fuzzy:
            continue
        text = _translation(entry)
        if text and all(text) and text != msgid:
            table[msgid] = text
    return table


def _translation(entry: Message) -> str | list[str] | None:
    """A plural entry's forms as a list (what the script's JSON wants), a singular entry's text."""
    if isinstance(entry.string, tuple | list):
        return list(entry.string)
    return entry.string


def plural_function(lang: str) -> str:
    """The language's Plural-Forms rule as a JavaScript function from a count to a form's index."""
    expression = catalog(lang).plural_expr
    if not PLURAL_EXPRESSION.fullmatch(expression):
        raise ValueError(f"{lang}: the Plural-Forms expression {expression!r} is not a plain C expression")
    return f"function (n) {{ return Number({expression}); }}"


def catalogs_script(source: str) -> str:
    """``TillitCore.addCatalogs({...});`` with every language's texts for the msgids ``source`` uses."""
    ids = msgids(source)
    languages = ",\n".join(
        f'  {json.dumps(lang)}: {{"plural": {plural_function(lang)}, '
        f'"messages": {json.dumps(messages(lang, ids), ensure_ascii=False, sort_keys=True)}}}'
        for lang in LANGS)
    return "window.TillitCore.addCatalogs({\n" + languages + "\n});"
