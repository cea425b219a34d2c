"""Jobs are enqueued by dotted path, so no module imports a job module that imports it back."""

import ast
from pathlib import Path

import pytest

from inventory_site import jobs

REPO = Path(__file__).resolve().parents[2]
APPS = ("accounts", "audit", "catalog", "stock", "orders", "reports", "inventory_site")
# Imports inside functions that hide no cycle, with the reason.
ALLOWED_LOCAL_IMPORTS = {
    "accounts/apps.py",  # AppConfig.ready() registers the signal receivers, as Django prescribes
}

calls: list = []


def record(*args):
    calls.append(args)


@pytest.fixture(autouse=True)
def _reset():
    calls.clear()


def test_a_dotted_path_runs_in_process(settings):
    settings.JOBS_IN_PROCESS = True
    assert jobs.enqueue_now("inventory_site.tests.test_jobs.record", 7, queue="low") is True
    assert calls == [(7,)]


@pytest.mark.django_db
def test_a_dotted_path_runs_after_commit(settings, django_capture_on_commit_callbacks):
    settings.JOBS_IN_PROCESS = True
    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue_on_commit("inventory_site.tests.test_jobs.record", 1, 2)
        assert calls == []
    assert calls == [(1, 2)]


def test_requeue_takes_a_dotted_path(settings):
    settings.JOBS_IN_PROCESS = True
    assert jobs.requeue("inventory_site.tests.test_jobs.record", [(3, "default", "j-3")], what="test") == 1
    assert calls == [(3,)]


def _local_project_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                names = []
                if isinstance(inner, ast.ImportFrom) and inner.module and inner.level == 0:
                    names = [inner.module]
                elif isinstance(inner, ast.Import):
                    names = [alias.name for alias in inner.names]
                project = [name for name in names if name.split(".")[0] in APPS]
                found += [f"{path.relative_to(REPO)}:{inner.lineno} {name}" for name in project]
    return found


def test_no_import_inside_a_function_hides_a_cycle():
    """Application code imports project modules at the top: a local import is how a cycle hides.

    Tests, migrations and management commands are not application modules anybody imports.
    """
    offenders = []
    for app in APPS:
        for path in sorted((REPO / app).rglob("*.py")):
            relative = str(path.relative_to(REPO))
            if any(part in ("tests", "migrations") for part in path.parts) or relative in ALLOWED_LOCAL_IMPORTS:
                continue
            offenders += _local_project_imports(path)
    assert offenders == []
