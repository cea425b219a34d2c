"""A real HTTP endpoint on 127.0.0.1 for webhook tests: it records every request and answers from a script."""

import http.server
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    """``answers``: ``(status, headers)`` per request in turn, then ``default``; ``delay`` seconds before each.
    ``keep_alive``: HTTP/1.1, connections kept open (else HTTP/1.0, one request each); ``drop_idle``: with
    keep_alive, the connection is closed after each answer without saying so (a receiver's idle timeout).
    ``connections``: the client ports seen, one per TCP connection."""

    answers: list = field(default_factory=list)
    default: tuple = (200, {})
    delay: float = 0.0
    keep_alive: bool = False
    drop_idle: bool = False
    requests: list = field(default_factory=list)
    connections: set = field(default_factory=set)

    def start(self) -> "Receiver":
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if receiver.keep_alive else "HTTP/1.0"

            def do_POST(self):  # noqa: N802 - the stdlib's name
                receiver.connections.add(self.client_address[1])
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                if receiver.delay:
                    time.sleep(receiver.delay)
                status, headers = receiver.answers.pop(0) if receiver.answers else receiver.default
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if receiver.drop_idle:
                    self.close_connection = True

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
