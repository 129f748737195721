"""Tillit: an event-driven engagement service for intranets.

``create_app()`` builds Tillit alone; ``Engagement().init_app(app)`` mounts it in a host app.
"""
from engagement.app import create_app
from engagement.extension import Engagement

__all__ = ["create_app", "Engagement"]
__version__ = "0.1.0"
