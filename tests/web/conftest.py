import re

import pytest


def form_token(response) -> str:
    match = re.search(rb'name="form_token" value="([0-9a-f]+)"', response.content)
    assert match, "the form has a one-time token"
    return match.group(1).decode()


@pytest.fixture
def post_form():
    """GET a form page for its token, then POST ``data`` with it."""

    def post(client, url, data, **kwargs):
        token = form_token(client.get(url))
        return client.post(url, {"form_token": token, **data}, **kwargs)

    return post


@pytest.fixture(autouse=True)
def _jobs_in_process(settings):
    """View tests run order jobs in-process after commit, even when REDIS_URL is set (the browser tests use RQ)."""
    settings.JOBS_IN_PROCESS = True
