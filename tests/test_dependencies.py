"""Every library cip-xl's code imports is one its installation asks for: a module that
this machine happens to have (brought in by a test tool) fails on the next one.
(``pip install "cip-xl[addin]"`` once lacked olefile, so ``cip-xl addin build`` stopped
with an internal error on a fresh machine.)"""
from __future__ import annotations

import ast
import configparser
import re
import sys
from importlib.metadata import packages_distributions

from .conftest import REPO


def _requirement_names(text: str) -> set[str]:
    names = set()
    for line in text.splitlines():
        found = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line)
        if found:
            names.add(re.sub(r"[-_.]+", "-", found[1]).lower())
    return names


def _imported_modules() -> dict[str, str]:
    """Top-level module name → a file of cip_xl importing it, for every import in the
    package (those inside functions too)."""
    found: dict[str, str] = {}
    for path in sorted((REPO / "cip_xl").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(REPO)))
    return found


def test_every_library_imported_is_a_declared_requirement():
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg", encoding="utf-8")
    declared = _requirement_names(config["options"]["install_requires"]) | \
        _requirement_names(config["options.extras_require"]["addin"])
    providers = packages_distributions()
    missing = {}
    for module, where in _imported_modules().items():
        if module in sys.stdlib_module_names or module in ("cip_xl", "__future__"):
            continue
        distributions = {re.sub(r"[-_.]+", "-", name).lower()
                         for name in providers.get(module, [module])}
        if not distributions & declared:
            missing[module] = where
    assert not missing, f"imported but not required by setup.cfg: {missing}"
