"""Profile completion's questions (engagement/profiles/api.py). Both are lenient, as the
progress bar must show whatever a page asks: an unknown language reads as English."""
from __future__ import annotations

from marshmallow import fields

from engagement.schemas.common import Query


class ProfileQuery(Query):
    lang = fields.String(load_default="nb",
                         metadata={"description": "nb (default), nn, da or en; any other reads as English"})


class TeamProfileQuery(ProfileQuery):
    subunits = fields.String(load_default="false", metadata={
        "description": "true: the whole unit below the team (1, true or yes)"})
