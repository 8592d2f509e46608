"""Imports run one way: web, portal and api -> domain apps -> core.

Read from the syntax tree of every module under src/sportello, so an import inside a
function counts as much as one at the top. Imports under ``if TYPE_CHECKING:`` are left
out: they name a type for mypy (the user model in ``core.actor``) and never run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import sportello

PACKAGE = Path(sportello.__file__).parent
CORE = "core"
DOMAIN = (
    "accounts",
    "customers",
    "queues",
    "tickets",
    "mail",
    "notifications",
    "sla",
    "search",
    "kb",
    "reports",
)
INTERFACES = ("web", "portal", "api", "importer", "ops")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, less the bodies of ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            yield from (node for branch in child.orelse for node in _nodes_of(branch))
            continue
        yield child
        yield from _nodes(child)


def _nodes_of(node: ast.AST) -> Iterator[ast.AST]:
    yield node
    yield from _nodes(node)


def imported(source: str, module: str, is_package: bool = False) -> set[str]:
    """The modules that ``source`` (the text of ``module``) imports, as absolute names."""
    package = module if is_package else module.rpartition(".")[0]
    names: set[str] = set()
    for node in _nodes(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from sportello import web`` names the app in the alias.
            if base == "sportello":
                names.update(f"{base}.{alias.name}" for alias in node.names)
            else:
                names.add(base)
    return names


def _app(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "sportello" else None


def violations(module: str, names: set[str]) -> list[str]:
    """Imports of ``module`` that run against the direction."""
    own = _app(module)
    found = []
    for name in sorted(names):
        target = _app(name)
        if target is None or target == own:
            continue
        if own == CORE:
            found.append(f"{module} imports {name}: core imports no other app")
        elif own in DOMAIN and target in INTERFACES:
            found.append(f"{module} imports {name}: a domain app imports no interface")
    return found


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield _module_name(path), path


def test_every_app_is_in_one_layer() -> None:
    apps = {
        path.name for path in PACKAGE.iterdir() if path.is_dir() and (path / "__init__.py").exists()
    }
    assert apps <= {CORE, *DOMAIN, *INTERFACES}, "a new app: put it into a layer here"


def test_imports_run_from_interfaces_to_domain_apps_to_core() -> None:
    found = [
        problem
        for module, path in _modules()
        for problem in violations(
            module, imported(path.read_text(), module, path.name == "__init__.py")
        )
    ]
    assert found == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("sportello.core.demo", "from sportello.tickets import actions", 1),
        ("sportello.core.actor", "def f():\n    from sportello.accounts import selectors", 1),
        ("sportello.core.x", "from ..accounts.models import User", 1),
        ("sportello.core.x", "import sportello.mail.cache", 1),
        ("sportello.search.x", "from sportello.web.views.common import agent_required", 1),
        ("sportello.tickets.x", "from sportello.portal import services", 1),
        ("sportello.tickets.x", "from sportello.core import cache", 0),
        ("sportello.web.x", "from sportello.tickets import actions", 0),
        ("sportello.portal.x", "from sportello.web import zoom", 0),
        (
            "sportello.core.x",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from sportello.accounts.models import User",
            0,
        ),
        ("sportello.core.x", "if TYPE_CHECKING:\n    pass\nelse:\n    import sportello.web", 1),
        ("sportello.core.x", "from . import events", 0),
        ("sportello.core.x", "from sportello import web", 1),
    ],
)
def test_the_check_finds_imports_against_the_direction(
    module: str, source: str, expected: int
) -> None:
    assert len(violations(module, imported(source, module))) == expected
