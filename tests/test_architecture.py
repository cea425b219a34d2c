"""The apps import one way (ARCHITECTURE.md): ``orders -> stock -> catalog -> integrations -> accounts -> audit``.

Read from the source with ``ast``, every import counts, a function's own included (one there must not hide a
cycle). ``reports`` and ``imports`` may use every app and nobody imports them; ``inventory_site`` is plumbing
and imports no domain app (its settings, root URLs, WSGI/ASGI entry and test settings aside); no app borrows
another app's ``api``, ``views``, ``admin`` or URL modules; and the project's modules import each other without
a cycle. Tests and migrations are outside these rules.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Each app may import the apps after it, never one before it.
LAYERS = ["orders", "stock", "catalog", "integrations", "accounts", "audit"]
TOP = {"reports", "imports"}  # they read (and imports writes through) everything; nobody imports them
PLUMBING = "inventory_site"
PLUMBING_ENTRY_POINTS = {"settings", "urls", "wsgi", "test_settings"}
PRIVATE = {"api", "views", "admin", "urls", "api_urls"}  # an app's own doors, never borrowed
APPS = {*LAYERS, *TOP, PLUMBING}


def project_modules() -> dict[str, Path]:
    modules = {}
    for app in sorted(APPS):
        for path in (ROOT / app).rglob("*.py") if (ROOT / app).is_dir() else []:
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "tests" in parts or "migrations" in parts:
                continue
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imports_of(path: Path, module: str) -> list[tuple[str, int]]:
    """Every module ``module`` imports (``from a import b`` counts ``a.b`` when that is a module), with its line."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            found.append((base, node.lineno))
            found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]
    return found


def graph() -> dict[str, list[tuple[str, int]]]:
    modules = project_modules()
    return {
        module: [(target, line) for target, line in imports_of(path, module) if target in modules]
        for module, path in modules.items()
    }


def app_of(module: str) -> str:
    return module.split(".")[0]


def violation(source: str, target: str) -> str | None:
    source_app, target_app = app_of(source), app_of(target)
    if source_app == target_app:
        return None
    if target_app in TOP:
        return f"nobody imports {target_app}"
    if (
        source != f"{PLUMBING}.urls"
        and target_app != PLUMBING
        and target.split(".")[1:2]
        and target.split(".")[1] in PRIVATE
    ):
        return f"{target} is {target_app}'s own door"
    if source_app == PLUMBING:
        if source.split(".")[1:2] and source.split(".")[1] in PLUMBING_ENTRY_POINTS:
            return None  # the root URLconf and settings name every app
        return "inventory_site imports no domain app"
    if target_app == PLUMBING or source_app in TOP:
        return None
    if LAYERS.index(target_app) <= LAYERS.index(source_app):
        return f"{source_app} may not import {target_app} (order: {' -> '.join(LAYERS)})"
    return None


def test_apps_import_one_way():
    wrong = [
        f"{source} line {line} imports {target}: {reason}"
        for source, targets in graph().items()
        for target, line in targets
        if (reason := violation(source, target))
    ]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle_between_modules():
    edges = {source: {target for target, _ in targets if target != source} for source, targets in graph().items()}
    # Package __init__ modules are imported by every submodule's import; they hold no code here, so skip them.
    edges = {
        source: {t for t in targets if (ROOT / t.replace(".", "/")).is_dir() is False}
        for source, targets in edges.items()
    }
    cycles, state, stack = [], {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == "open":
                cycles.append(" -> ".join([*stack[stack.index(target) :], target]))
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert not cycles, "\n".join(cycles)


def test_the_rules_catch_what_they_should():
    """The checker itself: each kind of wrong arrow is caught, each allowed one is not."""
    assert violation("catalog.services", "stock.models")
    assert violation("audit.api", "accounts.permissions")
    assert violation("orders.services", "reports.selectors")
    assert violation("stock.views", "catalog.api")
    assert violation("inventory_site.web", "stock.models")
    assert not violation("orders.services", "stock.services")
    assert not violation("reports.views", "orders.models")
    assert not violation("inventory_site.settings", "accounts.models")
    assert not violation("stock.services", "inventory_site.jobs")
