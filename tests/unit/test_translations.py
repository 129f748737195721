"""The gettext catalogs: complete in every language, up to date with the code, and counted texts
that read right for one and for many, on the server and in the widgets' scripts."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from engagement.awards.announcement import reason
from engagement.notifications.texts import actors_text, digest_subject
from engagement.translations import DIRECTORY, LANGS, catalog, po_path, translations
from engagement.translations.javascript import catalogs_script, msgids
from engagement.trust.texts import describe

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def template():
    with (DIRECTORY / "messages.pot").open("rb") as pot:
        return read_po(pot)


def extracted() -> set:
    """What `pybabel extract -F babel.cfg` finds in the code today."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    return {message for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map,
                                                                 comment_tags=("TRANSLATORS:",))}


def ids(messages) -> set:
    return {m.id for m in messages if m.id}


def test_the_template_and_every_catalog_hold_exactly_what_the_code_asks_for():
    """A text added to the code without `pybabel extract` and `pybabel update` fails here."""
    in_code = extracted()
    assert ids(template()) == in_code
    for lang in LANGS:
        assert ids(catalog(lang)) == in_code, lang
        assert not catalog(lang).obsolete, lang


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_translated_with_all_its_plural_forms(lang):
    po = catalog(lang)
    assert (po.num_plurals, po.plural_expr) == (2, "(n != 1)")  # one, other: as CLDR has it for all four
    for message in po:
        if not message.id:
            continue
        forms = message.string if message.pluralizable else (message.string,)
        assert not message.fuzzy, (lang, message.id)
        assert len(forms) == po.num_plurals if message.pluralizable else 1, (lang, message.id)
        assert all(form.strip() for form in forms), (lang, message.id)
    assert [(m.id, errors) for m, errors in po.check()] == []  # what `pybabel compile` checks


@pytest.mark.parametrize("lang", LANGS)
def test_translations_name_only_the_values_the_code_fills_in(lang):
    """A misspelt {placeholder} would fail at run time with a KeyError; here it fails at once."""
    for message in catalog(lang):
        if not message.id:
            continue
        names = set(PLACEHOLDER.findall(" ".join(message.id if message.pluralizable else [message.id])))
        forms = message.string if message.pluralizable else (message.string,)
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) <= names, (lang, message.id, form)


ONE_AND_MANY = {
    "nb": ("1 idé fra teamet", "3 idéer fra teamet", "Tillit: 1 ny anerkjennelse", "Tillit: 4 nye anerkjennelser",
           "Kari og en annen", "Kari og 2 andre", "1 bidrag, anerkjent av 1 kollega i 1 team",
           "2 bidrag, anerkjent av 4 kolleger i 3 team"),
    "nn": ("1 idé frå teamet", "3 idéar frå teamet", "Tillit: 1 ny anerkjenning", "Tillit: 4 nye anerkjenningar",
           "Kari og ein annan", "Kari og 2 andre", "1 bidrag, anerkjend av 1 kollega i 1 team",
           "2 bidrag, anerkjend av 4 kollegaer i 3 team"),
    "da": ("1 idé fra teamet", "3 idéer fra teamet", "Tillit: 1 ny anerkendelse", "Tillit: 4 nye anerkendelser",
           "Kari og en anden", "Kari og 2 andre", "1 bidrag, anerkendt af 1 kollega i 1 team",
           "2 bidrag, anerkendt af 4 kolleger i 3 teams"),
    "en": ("1 idea from the team has", "3 ideas from the team have", "Tillit: 1 new recognition",
           "Tillit: 4 new recognitions", "Kari and one other", "Kari and 2 others",
           "1 contribution, recognised by 1 colleague in 1 team",
           "2 contributions, recognised by 4 colleagues in 3 teams"),
}


@pytest.mark.parametrize("lang", LANGS)
def test_a_count_of_one_reads_in_the_singular_and_more_in_the_plural(lang):
    idea, ideas, subject, subjects, other, others, credit, credits = ONE_AND_MANY[lang]
    assert describe("unanswered_ideas", lang, {"count": 1, "days": 14})["reason"].startswith(idea)
    assert describe("unanswered_ideas", lang, {"count": 3, "days": 14})["reason"].startswith(ideas)
    assert (digest_subject(lang, 1), digest_subject(lang, 4)) == (subject, subjects)
    assert actors_text(["Kari", "Ola", "Per"], lang) == others
    assert reason({"contributions": 1, "colleagues": 1, "teams": 1}, "contributor", lang) == credit
    assert reason({"contributions": 2, "colleagues": 4, "teams": 3}, "contributor", lang) == credits
    # the singular that two names never reach, as a translator wrote it
    assert translations(lang).ngettext("{first} and one other", "{first} and {n} others", 1).format(
        first="Kari", n=1) == other


def test_the_widget_scripts_carry_every_language_s_plural_rule_and_forms(client):
    """The bell's count is plural in the script the server sends, with the catalog's forms."""
    script = client.get("/v1/widget.js").get_data(as_text=True)
    assert script.count("function (n) { return Number((n != 1)); }") == len(LANGS)
    assert '"Notifications: {n} unread": ["Varsler: {n} ulest", "Varsler: {n} uleste"]' in script
    assert '"Notifications: {n} unread": ["Varsel: {n} ulese", "Varsel: {n} ulesne"]' in script
    assert '"Great!": "Godt gået!"' in script
    trust = client.get("/v1/trust.js").get_data(as_text=True)
    assert '"{n} team shown": ["{n} team vist", "{n} teams vist"]' in trust and "Varsler" not in trust


def test_each_script_carries_the_texts_it_uses_and_no_others():
    source = (ROOT / "engagement" / "static" / "tillit-bell.js").read_text(encoding="utf-8")
    assert "Mark all as read" in msgids(source) and "Trust signals by team" not in msgids(source)
    assert "Trust signals by team" not in catalogs_script(source)


def test_an_installed_package_ships_every_catalog():
    """pyproject's package-data must take each language's .po file into the wheel."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert "engagement.translations" in config["packages"]
    package = ROOT / "engagement"
    shipped = {path for pattern in config["package-data"]["engagement"] for path in package.glob(pattern)}
    assert {po_path(lang) for lang in LANGS} <= shipped

