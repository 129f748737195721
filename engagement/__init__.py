"""Tillit: an event-driven engagement service for intranets.

``create_app()`` builds Tillit alone; ``Engagement().init_app(app)`` mounts it in a host app.
Both are imported on first use, not with the package: ``python -m engagement.lottery.verify``
checks a draw with Python's standard library alone, without Flask or the rest installed.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engagement import checkout

checkout.install()  # before anything imports engagement.consumers or engagement.schemas

if TYPE_CHECKING:
    from engagement.app import create_app
    from engagement.extension import Engagement

__all__ = ["create_app", "Engagement"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from engagement.app import create_app
        return create_app
    if name == "Engagement":
        from engagement.extension import Engagement
        return Engagement
    raise AttributeError(f"module 'engagement' has no attribute {name!r}")
