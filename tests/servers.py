"""A real gunicorn on a free port with the repository's gunicorn.conf.py, for the deploy, health and log tests."""

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
SECRET = "a-long-random-production-secret-for-the-server-tests-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn(tmp_path: Path, **environment):
    """Yield ``(process, port)``: production settings (no debug, a secret, SQLite in ``tmp_path``) plus
    ``environment``; stdout and stderr are pipes, read them after the block (the server is stopped then)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_")) and k != "REDIS_URL"}
    env.update(
        DJANGO_ENV_FILE="/nonexistent",
        DJANGO_SETTINGS_MODULE="inventory_site.settings",
        DJANGO_SECRET_KEY=SECRET,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        WEB_CONCURRENCY="1",
        GUNICORN_BIND=f"127.0.0.1:{port}",
    )
    env.update(environment)
    server = subprocess.Popen(
        # No control socket: several test servers (and other runs) would share ~/.gunicorn/gunicorn.ctl.
        [GUNICORN, "inventory_site.wsgi", "-c", "gunicorn.conf.py", "--no-control-socket"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(server.stderr.read().decode()[-3000:]) from None
                time.sleep(0.1)
        yield server, port
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
