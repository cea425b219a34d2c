"""Run every benchmark in bench/ and print their figures as one table.

    .venv/bin/python bench/all.py            # all of them (a few minutes: reports loads 1M movements once)
    .venv/bin/python bench/all.py orders     # only those whose name contains "orders"

Each benchmark is a script of its own (see its docstring for targets and options) and prints its figures;
this collects the lines that carry a figure (rates, times, ratios, verdicts) into one table.
"""

import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIGURE = re.compile(r"(/s\b|\bms\b|ratio|change with|target|median|p99)", re.IGNORECASE)


def figures(output: str) -> list[str]:
    rows = []
    for line in output.splitlines():
        text = line.strip().strip("|").strip()
        if text and FIGURE.search(text) and not text.startswith(("[", "---", "request |")):
            rows.append(re.sub(r"\s{2,}", "  ", text.replace("|", "·")))
    return rows


def main() -> int:
    wanted = sys.argv[1:]
    scripts = sorted(p for p in HERE.glob("*.py") if p.name not in ("all.py",) and not p.name.startswith("_"))
    scripts = [p for p in scripts if not wanted or any(w in p.stem for w in wanted)]
    table, failed = [], []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        began = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
        seconds = time.perf_counter() - began
        sys.stdout.write(result.stdout[-4000:])
        if result.returncode != 0:
            failed.append(script.name)
            sys.stdout.write(result.stderr[-2000:])
        table.extend((script.stem, row) for row in figures(result.stdout))
        table.append((script.stem, f"(ran {seconds:.0f} s, exit {result.returncode})"))
    print("\n| benchmark | figure |\n|---|---|")
    for name, row in table:
        print(f"| {name} | {row} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
