import pytest


@pytest.fixture(autouse=True)
def _jobs_in_process(request, settings):
    """Run order jobs in-process after commit (the embedded default) unless a test brings its own Redis."""
    if not request.node.get_closest_marker("redis"):
        settings.JOBS_IN_PROCESS = True


@pytest.fixture
def private_redis(request, settings):
    """A private redis-server for fault tests (marked ``redis``); the queues point at it and jobs really go
    through RQ."""
    from orders.tests.support import RedisServer, require_redis_marker

    require_redis_marker(request)
    server = RedisServer().start()
    settings.JOBS_IN_PROCESS = False
    settings.RQ_QUEUES = {name: {"URL": server.url, "DEFAULT_TIMEOUT": 300} for name in settings.RQ_QUEUE_NAMES}
    try:
        yield server
    finally:
        server.stop()
