"""The demo pages' questions: who the page is shown as, in which language (engagement/demo/api.py)."""
from __future__ import annotations

from marshmallow import fields, validate

from engagement.demo.service import USERS
from engagement.schemas.common import Query

LANGUAGES = {"nb": "Bokmål", "nn": "Nynorsk", "da": "Dansk", "en": "English"}


class VisitorQuery(Query):
    user = fields.String(validate=validate.OneOf(
        USERS, error=f"Not a demo user; choose one of {', '.join(USERS)}."))
    lang = fields.String(load_default="nb", validate=validate.OneOf(
        LANGUAGES, error=f"Choose one of {', '.join(LANGUAGES)}."))
