"""A process started in a checkout's root (``gunicorn wsgi:app`` beside ``engagement/``) imports the
checkout's ``engagement`` folder before the installed package, and in a checkout the read models and
schemas sit beside it, in ``consumers/`` and ``schemas/``, not inside it. This finder gives them
their installed names, ``engagement.consumers`` and ``engagement.schemas``; an installed or editable
Tillit never needs it, since its own finders answer first."""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
BESIDE = ("consumers", "schemas")


class CheckoutPackages(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: object = None, target: object = None) -> importlib.machinery.ModuleSpec | None:
        parent, _, child = name.partition(".")
        if parent != "engagement" or child not in BESIDE:
            return None
        folder = PACKAGE.parent / child
        return importlib.util.spec_from_file_location(name, folder / "__init__.py",
                                                      submodule_search_locations=[str(folder)])


def install() -> None:
    """Add the finder (last, after every other) when this ``engagement`` is a checkout's."""
    in_checkout = all(not (PACKAGE / n).exists() and (PACKAGE.parent / n / "__init__.py").is_file() for n in BESIDE)
    if in_checkout and not any(isinstance(f, CheckoutPackages) for f in sys.meta_path):
        sys.meta_path.append(CheckoutPackages())
