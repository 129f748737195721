"""Read models, one module each, and the registry the runner and replay use."""
from __future__ import annotations

from consumers.base import ReadModel
from consumers.ledger import Ledger


def builtin_read_models() -> list[ReadModel]:
    """Every read model Tillit ships, ledger first."""
    return [Ledger()]
