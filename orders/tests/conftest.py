import pytest


@pytest.fixture(autouse=True)
def _jobs_in_process(request, settings):
    """Run order jobs in-process after commit (the embedded default) unless a test brings its own Redis."""
    if not request.node.get_closest_marker("redis"):
        settings.JOBS_IN_PROCESS = True
