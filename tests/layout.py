"""Run a source-reading tool (mypy, lint-imports) on the package as it is installed.

In the repository consumers/ and schemas/ sit at the top; pyproject's package-dir installs them as
engagement.consumers and engagement.schemas. Tools that read files instead of importing them cannot
follow that mapping (their imports of ``engagement.consumers...`` would look missing and be left
out), so this copies the sources into the installed layout in a temporary folder, runs the tool
there, and names the repository's files in what it prints.

    python -m tests.layout mypy -p engagement
    python -m tests.layout lint-imports
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def package_dirs(root: Path = ROOT) -> dict[str, str]:
    """pyproject's package-dir: installed package name -> folder in the repository."""
    setuptools = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    return dict(setuptools.get("package-dir", {}))


def build(into: Path, root: Path = ROOT) -> dict[str, str]:
    """Copy engagement/ with each package-dir folder in its installed place; answer how to name the
    copies' paths back (installed path prefix -> repository path prefix)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(root / "engagement", into / "engagement", ignore=ignore)
    renames = {}
    for package, folder in package_dirs(root).items():
        installed = package.replace(".", "/")
        shutil.copytree(root / folder, into / installed, ignore=ignore)
        renames[installed + "/"] = folder + "/"
    return renames


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="tillit-layout-") as tmp:
        renames = build(Path(tmp))
        tool = subprocess.run([_beside_python(argv[0]), *argv[1:], *_config_args(argv[0])], cwd=tmp,
                              capture_output=True, text=True)
    for stream, text in ((sys.stdout, tool.stdout), (sys.stderr, tool.stderr)):
        for installed, folder in renames.items():
            text = text.replace(installed, folder)
        stream.write(text)
    return tool.returncode


def _beside_python(tool: str) -> str:
    """The tool of this Python's environment, even when that environment is not activated."""
    beside = Path(sys.executable).with_name(tool)
    return str(beside) if beside.exists() else tool


def _config_args(tool: str) -> list[str]:
    """The repository's own settings and caches, though the tool runs in the temporary copy."""
    config = str(ROOT / "pyproject.toml")
    if Path(tool).name == "mypy" and "--config-file" not in sys.argv:
        return ["--config-file", config, "--cache-dir", str(ROOT / ".mypy_cache")]
    if Path(tool).name == "lint-imports":
        return [config]
    return []


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
