"""The app factory for Tillit standing alone (``engagement serve``, gunicorn ``wsgi:app``)."""
from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask

from engagement.extension import Engagement


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` overrides the environment (tests pass their settings here)."""
    instance = os.environ.get("ENGAGEMENT_INSTANCE_PATH") or None
    app = Flask("engagement", instance_path=instance and os.path.abspath(instance),
                instance_relative_config=True)
    app.config.update(config or {})
    logging.basicConfig(level=os.environ.get("ENGAGEMENT_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    Engagement(app)
    return app
