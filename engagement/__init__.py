"""Tillit: an event-driven engagement service for intranets.

``create_app()`` builds Tillit alone; ``Engagement().init_app(app)`` mounts it in a host app.
"""
from engagement import checkout

checkout.install()  # before anything imports engagement.consumers or engagement.schemas

from engagement.app import create_app  # noqa: E402
from engagement.extension import Engagement  # noqa: E402

__all__ = ["create_app", "Engagement"]
__version__ = "0.1.0"
