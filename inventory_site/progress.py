"""A progress line for long management commands (bulk loads)."""

import time


class Progress:
    def __init__(self, stdout, label: str, total: int):
        self.stdout, self.label, self.total, self.started = stdout, label, total, time.monotonic()
        self.done = -1

    def update(self, done: int) -> None:
        if self.stdout is None or done == self.done:
            return
        self.done = done
        elapsed = time.monotonic() - self.started
        percent = 100 * done // max(self.total, 1)
        self.stdout.write(f"\r{self.label}: {done:,}/{self.total:,} ({percent}%) {elapsed:.1f} s", ending="")
        if done >= self.total:
            self.stdout.write("")
        self.stdout.flush()
