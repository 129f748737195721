"""The built-in statements: every one in every language and wording, and the docs' table true to them."""
from __future__ import annotations

import re
from pathlib import Path

from engagement.pulses import library
from engagement.pulses.model import DONT_KNOW, WORDINGS
from engagement.translations import LANGS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "features" / "pulses.md"


def test_every_statement_has_three_distinct_wordings_in_every_language():
    assert len(library.STATEMENTS) == 12
    for key, texts in library.STATEMENTS.items():
        assert set(texts) == set(LANGS), key
        for lang in LANGS:
            worded = [texts[lang][w] for w in WORDINGS]
            assert all(t.strip() and t.endswith(".") for t in worded) and len(set(worded)) == 3, (key, lang)
    assert library.STATEMENTS["leader.safe_to_try"]["da"]["team"] == (
        "Min leder bidrager til, at det er trygt at afprøve nye tiltag i vores enhed.")


def test_the_leaders_own_wording_speaks_of_themself_and_their_managers_of_the_leader():
    starts = {"nb": ("Jeg ", "Lederen "), "nn": ("Eg ", "Leiaren "), "da": ("Jeg ", "Lederen "),
              "en": ("I ", "The leader ")}
    for key, texts in library.STATEMENTS.items():
        for lang, (own, theirs) in starts.items():
            assert texts[lang]["self"].startswith(own) and texts[lang]["manager"].startswith(theirs), (key, lang)


def test_the_scale_runs_from_one_to_five_then_dont_know():
    assert [s["value"] for s in library.scale("nn")] == [1, 2, 3, 4, 5, DONT_KNOW]
    assert library.scale("nb")[0]["label"] == "Helt uenig" and library.scale("nb")[-1]["label"] == "Vet ikke"
    assert library.scale("da")[-1]["label"] == "Ved ikke" and library.scale("en")[-1]["label"] == "Don't know"


def test_the_docs_table_shows_each_statements_english_team_wording():
    rows = dict(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \| (.+?) \|$", DOCS.read_text(encoding="utf-8"), re.M))
    assert rows == {key: texts["en"]["team"] for key, texts in library.STATEMENTS.items()}


def test_a_custom_statement_takes_its_first_text_where_one_is_missing():
    custom = {"key": "custom-1", "text": {"nb": {"team": "Vi deler", "self": "Jeg deler"}}}
    assert library.text(custom, "nb", "self") == "Jeg deler"
    assert library.text(custom, "en", "manager") == "Vi deler"
