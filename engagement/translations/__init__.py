"""Tillit's own gettext catalogs (nb, nn, da, en), loaded per language from this directory.

Not Flask-Babel: Tillit runs inside host applications, and Flask-Babel's one locale selector per
application (with the Jinja set-up that comes with it) belongs to the host. Tillit's language is
the one each request names (``?lang=``, or the person's locale), so every text function asks here
for that language's ``Translations``; the host's own translations are never touched.

The ``messages.po`` files are compiled in memory on first use (Babel's ``write_mo``): what runs is
always what a translator last saved, there is no ``.mo`` file to forget to rebuild, and nothing is
written into an installed package.

For translators, from the repository's root (tests/unit/test_translations.py fails until both are done
after a text changes in the code)::

    pybabel extract -F babel.cfg -c TRANSLATORS: --add-location=file --sort-output \
        --project=Tillit --version=0.1.0 --msgid-bugs-address=tillit@example.invalid \
        --header-comment="$(head -3 engagement/translations/messages.pot)" \
        -o engagement/translations/messages.pot .
    pybabel update -i engagement/translations/messages.pot -d engagement/translations --ignore-obsolete

then fill in the new or fuzzy entries of ``<lang>/LC_MESSAGES/messages.po``. ``pybabel compile -d
engagement/translations --statistics`` checks the catalogs (the .mo files it writes are not used).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import TypeVar

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

DIRECTORY = Path(__file__).resolve().parent
DOMAIN = "messages"
LANGS = ("nb", "nn", "da", "en")
T = TypeVar("T")


def po_path(lang: str) -> Path:
    return DIRECTORY / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalog(lang: str) -> Catalog:
    """One language's catalog as the translator left it (fuzzy entries are read but never used)."""
    if lang not in LANGS:
        raise KeyError(lang)
    with po_path(lang).open("rb") as po:
        return read_po(po, locale=lang, domain=DOMAIN)


@cache
def translations(lang: str) -> Translations:
    """``gettext``/``ngettext`` with the language's own plural rule, from its compiled catalog."""
    compiled = BytesIO()
    write_mo(compiled, catalog(lang))
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def N_(message: str) -> str:
    """Marks a text for extraction where a table defines it; it is translated where it is used."""
    return message


def in_every_language(message: str) -> dict[str, str]:
    """``{lang: translation}``, for texts kept per language (the default profile checklist)."""
    return {lang: translations(lang).gettext(message) for lang in LANGS}


class ByLanguage(Mapping[str, T]):
    """``{lang: value}`` made from the catalogs on first use, for callers that index texts by
    language (``UNSUBSCRIBE_PAGE[lang]``, ``lang in TEXTS``): ``build`` gets the language's
    ``Translations`` and returns its value."""

    def __init__(self, build: Callable[[Translations], T]):
        self._build = build

    def __getitem__(self, lang: str) -> T:
        if lang not in LANGS:
            raise KeyError(lang)
        return self._build(translations(lang))

    def __contains__(self, lang: object) -> bool:
        return lang in LANGS

    def __iter__(self) -> Iterator[str]:
        return iter(LANGS)

    def __len__(self) -> int:
        return len(LANGS)


def template_functions(lang: str) -> dict[str, Callable]:
    """``_``, ``gettext`` and ``ngettext`` for one page's template context: passed with the page,
    never installed in the application's Jinja environment, which is the host's."""
    t = translations(lang)
    return {"_": t.gettext, "gettext": t.gettext, "ngettext": t.ngettext}
