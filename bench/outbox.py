"""The event outbox's cost and its delivery lag (run by hand, not in CI).

    .venv/bin/python bench/outbox.py [--duration 4] [--rounds 3] [--clients 16] [--rate 20] [--seconds 15]

On PostgreSQL + Redis, 4 gunicorn workers, two ``rqworker high default low`` processes and the scheduler
(``requeue_orders --every 60``, which sweeps the outbox every ``OUTBOX_SWEEP_SECONDS``):
1. A B C A B C ...: the ceiling (``../shared/bench/ceiling.py``), ``POST stock/movements`` with no webhook, and
   the same with one webhook subscribed to ``stock.changed`` (a receiver on 127.0.0.1 answering 200), in
   movements/s, and each as a ratio to the ceiling; the webhook's share is the ratio of the two API figures.
2. The lag: movements at ``--rate`` per second for ``--seconds``; for each, the time from its 201 to its event's
   arrival at the receiver (matched by ``movement_ids``), as median, p99 and max; every movement must arrive
   exactly once (a missing or doubled one is printed).

Databases: ``<prefix>_outbox`` and ``<prefix>_ceiling`` (``BENCH_DB_PREFIX``, default ``inv_bench``); Redis db 11.
"""

import http.client
import http.server
import json
import statistics
import subprocess
import threading
import time
from collections import Counter

from _common import (
    PREFIX,
    PYTHON,
    QUIET,
    ROOT,
    alternate,
    arguments,
    ceiling_request,
    env_for,
    load,
    movement_request,
    prepare,
    psql,
    ratio,
    start_ceiling,
    start_service,
    stopping,
)


class Receiver:
    """Records, per movement id, when its stock.changed event arrived and how many times. It speaks HTTP/1.1 and
    keeps connections open, as the web servers in front of real receivers do."""

    def __init__(self):
        self.arrivals: dict[int, float] = {}
        self.counts: Counter = Counter()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                now = time.monotonic()
                for movement_id in body.get("data", {}).get("movement_ids", []):
                    receiver.counts[movement_id] += 1
                    receiver.arrivals.setdefault(movement_id, now)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def subscribe(database: str, url: str | None) -> None:
    """One webhook on ``url`` for stock.changed (None: none)."""
    script = (
        "from accounts.models import User\nfrom integrations.models import Webhook\n"
        "from integrations import webhooks\nWebhook.objects.all().delete()\n"
    )
    if url:
        script += (
            "admin = User.objects.get(email='admin@example.com')\n"
            f"webhooks.create_webhook(user=admin, url={url!r}, events=['stock.changed'])\n"
        )
    env = {**env_for(database), "WEBHOOK_ALLOW_PRIVATE_URLS": "true"}
    subprocess.run([PYTHON, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, check=True, **QUIET)


def start_jobs(database: str) -> list[subprocess.Popen]:
    env = {**env_for(database), "WEBHOOK_ALLOW_PRIVATE_URLS": "true"}
    commands = [["rqworker", "high", "default", "low"]] * 2 + [["requeue_orders", "--every", "60"]]
    return [
        subprocess.Popen([PYTHON, "manage.py", *args], cwd=ROOT, env=env, start_new_session=True, **QUIET)
        for args in commands
    ]


def lag_run(port: int, token: str, product_ids: list[int], receiver: Receiver, rate: float, seconds: float):
    sent: dict[int, float] = {}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    started, count = time.monotonic(), int(rate * seconds)
    for index in range(count):
        time.sleep(max(0.0, started + index / rate - time.monotonic()))
        body = {"product_id": product_ids[index % len(product_ids)], "change_type": "IN", "quantity": 1}
        connection.request("POST", "/api/v1/stock/movements", json.dumps(body), headers)
        response = connection.getresponse()
        answer = json.loads(response.read())
        if response.status == 201:
            sent[answer["id"]] = time.monotonic()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all(pk in receiver.arrivals for pk in sent):
        time.sleep(0.2)
    lags = sorted((receiver.arrivals[pk] - at) * 1000 for pk, at in sent.items() if pk in receiver.arrivals)
    missing = [pk for pk in sent if pk not in receiver.arrivals]
    doubled = [pk for pk in sent if receiver.counts[pk] > 1]
    p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))] if lags else float("nan")
    print(f"\nLag from 201 to the webhook's arrival, {len(sent)} movements at {rate:g}/s:")
    if lags:
        print(f"  median {statistics.median(lags):.0f} ms, p99 {p99:.0f} ms, max {lags[-1]:.0f} ms")
    print(f"  missing {len(missing)}, delivered more than once {len(doubled)}")


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    options = {"clients": args.clients, "duration": args.duration}
    database = f"{PREFIX}_outbox"
    info = prepare(database)
    ids, token = info["product_ids"], info["token"]
    receiver = Receiver()
    with stopping() as servers:
        servers.append(start_ceiling(8980))
        servers.append(start_service(database, 8981))
        servers += start_jobs(database)
        moves = movement_request(ids)

        def api(url):
            def run():
                subscribe(database, url)
                return load(8981, moves, token=token, **options)

            return run

        runs = [
            ("ceiling", lambda: load(8980, ceiling_request, **options)),
            ("API, no webhook", api(None)),
            ("API, one webhook", api(receiver.url)),
        ]
        for _, runner in runs:
            runner()
        print(f"\nA B C A B C: {args.clients} clients, {args.duration:g} s per run, PostgreSQL + Redis")
        results = alternate(runs, args.rounds)
        ratio(results, "API, no webhook", "ceiling", "API without a webhook / ceiling")
        ratio(results, "API, one webhook", "ceiling", "API with a webhook / ceiling")
        ratio(results, "API, one webhook", "API, no webhook", "with / without a webhook")
        subscribe(database, receiver.url)
        lag_run(8981, token, ids, receiver, args.rate, args.seconds)
        unstamped = psql(database, "SELECT count(*) FROM integrations_event WHERE sequence IS NULL")
        pending = psql(database, "SELECT count(*) FROM integrations_webhookdelivery WHERE status = 'pending'")
        print(f"  left behind: {unstamped} unstamped event(s), {pending} pending delivery(ies)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
