"""pyproject's explicit package list ships every package, and only under the engagement name.

setuptools installs exactly the packages listed in [tool.setuptools] packages: a new folder with an
__init__.py that nobody adds there works in the repository and is missing once installed.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tomllib

from tests.layout import ROOT, package_dirs


def listed_packages() -> set[str]:
    return set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])


def packages_on_disk() -> set[str]:
    """Every folder with an __init__.py under engagement/, consumers/ and schemas/, by the name it
    installs as (consumers/ and schemas/ through package-dir)."""
    installed_as = {folder: package for package, folder in package_dirs().items()}
    installed_as["engagement"] = "engagement"
    found = set()
    for top, package in installed_as.items():
        for init in (ROOT / top).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / top).parts
            found.add(".".join((package, *relative)))
    return found


def test_every_package_folder_is_in_pyprojects_list_and_nothing_else_is():
    on_disk, listed = packages_on_disk(), listed_packages()
    assert {"engagement.consumers", "engagement.schemas", "engagement.web"} <= on_disk  # the walk found them
    assert sorted(on_disk - listed) == [], "add these to [tool.setuptools] packages in pyproject.toml"
    assert sorted(listed - on_disk) == [], "listed in pyproject.toml but no such package folder"


# Run from outside the repository: each top-level name must be missing, the installed ones present.
WHAT_IMPORTS = """
import importlib
for name in ("consumers", "schemas", "engagement.consumers", "engagement.schemas"):
    try:
        importlib.import_module(name)
        print(name, "imported")
    except ModuleNotFoundError as missing:
        print(name, "ModuleNotFoundError", missing.name)
"""


def test_the_repositorys_top_level_folders_are_not_installed_under_their_own_names(tmp_path):
    """From outside the repository a host app's own ``schemas`` or ``consumers`` stays its own."""
    installed_only = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the environment, not a checkout
    done = subprocess.run([sys.executable, "-c", WHAT_IMPORTS], cwd=tmp_path, env=installed_only,
                          capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.splitlines() == ["consumers ModuleNotFoundError consumers",
                                       "schemas ModuleNotFoundError schemas",
                                       "engagement.consumers imported", "engagement.schemas imported"]
