"""/v1/pulse.js: the pulse widget's script says this instance's threshold, since it tells people
from how many answers results are shown, and it carries its own texts and the core's, not others'."""
from __future__ import annotations

import re

from engagement.state import state
from tests.conftest import migrated_app


def min_answers(source: str) -> int:
    found = re.search(r'window\.TillitCore\.settings = .*\{"pulse": \{"minAnswers": (\d+)\}\}\);', source)
    assert found, "the script sets no threshold"
    return int(found.group(1))


def test_the_script_says_the_instance_s_threshold(client, sqlite_template, tmp_path):
    source = client.get("/v1/pulse.js").get_data(as_text=True)
    assert min_answers(source) == 5
    # the settings come before the widget reads them, after the core that holds them
    assert source.index("window.TillitCore = window.TillitCore ||") < source.index("minAnswers\": 5") \
        < source.index("var MIN_ANSWERS")
    other = migrated_app(sqlite_template, tmp_path / "seven", ENGAGEMENT_MIN_GROUP_SIZE=7)
    try:
        assert min_answers(other.test_client().get("/v1/pulse.js").get_data(as_text=True)) == 7
    finally:
        state(other).bus.close()


def test_the_script_carries_its_texts_in_every_language_and_no_other_widget_s(client):
    source = client.get("/v1/pulse.js").get_data(as_text=True)
    assert '"Send the answers": "Send svarene"' in source and '"Send the answers": "Send svara"' in source
    assert '"Thank you! Your answers are saved.": "Tak! Dine svar er gemt."' in source
    assert ('"Your answer is stored without your name; results are shown from {n} answer.": '
            '["Svaret ditt lagres uten navnet ditt; resultater vises først når det er {n} svar.", ') in source
    assert "Du har ikke lov til å gjøre dette." in source  # the core's: what a failed call says
    assert "Mark all as read" not in source and "Varsler" not in source


def test_the_script_is_cached_and_revalidated(client):
    first = client.get("/v1/pulse.js")
    assert first.status_code == 200 and first.mimetype == "text/javascript"
    assert client.get("/v1/pulse.js", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
