import pytest


@pytest.fixture(autouse=True)
def _jobs_in_process(request, settings):
    """Run order jobs in-process after commit (the embedded default) unless a test brings its own Redis."""
    if not request.node.get_closest_marker("redis"):
        settings.JOBS_IN_PROCESS = True


@pytest.fixture
def jobs_by_hand(settings):
    """No order job runs on its own, in-process or from a queue: the test runs them itself (in its race)."""
    settings.JOBS_IN_PROCESS = False
    settings.RQ_QUEUES = {}
