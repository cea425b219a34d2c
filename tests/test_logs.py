"""Every log line is JSON on stdout: the application's (settings.LOGGING) and gunicorn's error and access logs."""

import json
import logging
import logging.config
import urllib.error
import urllib.request

from tests.servers import ROOT, gunicorn


def test_django_logging_writes_json_to_stdout(capsys):
    from django.conf import settings

    assert settings.LOGGING["handlers"]["stdout"]["stream"] == "ext://sys.stdout"
    logger = logging.getLogger("tests.logs.probe")
    config = {**settings.LOGGING, "root": {"handlers": ["stdout"], "level": "INFO"}}
    logging.config.dictConfig(config)  # resolves ext://sys.stdout to pytest's captured stdout now
    try:
        logger.warning("hello %s", "there")
        out, err = capsys.readouterr()
    finally:
        logging.config.dictConfig(settings.LOGGING)
    assert err == ""
    entry = json.loads(out.strip().splitlines()[-1])
    assert entry["message"] == "hello there" and entry["level"] == "WARNING" and entry["logger"] == "tests.logs.probe"


def test_gunicorn_config_sends_its_logs_as_json_to_stdout():
    namespace: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)
    config = namespace["logconfig_dict"]
    for logger in ("gunicorn.error", "gunicorn.access"):
        for handler in config["loggers"][logger]["handlers"]:
            assert config["handlers"][handler]["stream"] == "ext://sys.stdout", logger
    formatters = {name: spec["()"] for name, spec in config["formatters"].items()}
    error_handler = config["handlers"][config["loggers"]["gunicorn.error"]["handlers"][0]]
    assert formatters[error_handler["formatter"]] == "inventory_site.logging.JsonFormatter"


def test_access_formatter_writes_valid_json_whatever_the_request():
    from inventory_site.logging import AccessJsonFormatter

    atoms = {"h": "10.0.0.1", "r": 'GET /x?q=\\"a\\" HTTP/1.1', "m": "GET", "U": "/x", "q": 'q=\\"a\\"', "s": "200",
             "B": "-", "M": "3", "a": 'evil\\" agent', "f": "-"}
    record = logging.LogRecord("gunicorn.access", logging.INFO, "", 0, "%(h)s", (atoms,), None)
    entry = json.loads(AccessJsonFormatter().format(record))
    assert entry["query"] == 'q="a"' and entry["user_agent"] == 'evil" agent'
    assert (entry["status"], entry["bytes"], entry["ms"], entry["path"]) == (200, 0, 3, "/x")


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_running_gunicorn_logs_only_json_lines_on_stdout(tmp_path):
    with gunicorn(tmp_path, LOG_LEVEL="INFO") as (server, port):
        assert _get(f"http://127.0.0.1:{port}/healthz") == 200
        assert _get(f"http://127.0.0.1:{port}/api/v1/products") == 401  # django.request logs a warning
    out, err = server.stdout.read().decode(), server.stderr.read().decode()
    assert err.strip() == "", err[-2000:]
    entries = [json.loads(line) for line in out.splitlines() if line.strip()]  # every line is JSON
    loggers = {entry["logger"] for entry in entries}
    assert "gunicorn.error" in loggers, out[-2000:]
    assert any(e["logger"] == "gunicorn.error" and "Listening at" in e["message"] for e in entries)
    access = [e for e in entries if e["logger"] == "gunicorn.access"]
    assert {(e["path"], e["status"]) for e in access} >= {("/healthz", 200), ("/api/v1/products", 401)}
    assert any(e["logger"] == "django.request" and "/api/v1/products" in e["message"] for e in entries), out[-2000:]
