"""The widget scripts carry the translations of the shared core's texts too (what a failed call
says), not only those of the widget's own files."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("script", ["/v1/widget.js", "/v1/trust.js", "/v1/pulse.js", "/v1/pulse-reports.js"])
def test_each_script_brings_the_cores_texts_in_every_language(client, script):
    source = client.get(script).get_data(as_text=True)
    for text in ("Du har ikke lov til å gjøre dette.", "Du har ikkje lov til å gjere dette.",
                 "Du har ikke lov til at gøre dette.", "Økten din er utløpt. Last inn siden på nytt for å fortsette."):
        assert text in source, text
    assert "claims()" not in source and "data-token-callback" in source
