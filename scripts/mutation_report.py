"""Kill rate per module of the last `make mutation` run, and its surviving mutants.

Reads mutmut's per-file results (mutants/<path>.py.meta). Arguments: dotted module names
(whatrack.inbox.receive ...); none = every module mutmut mutated. `mutmut show <name>` prints a
survivor's diff; docs/mutation.md lists the survivors known to be harmless.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

KILLED = {1, 3, 37}  # a test failed, pytest errored, or the type checker caught it
SURVIVED = {0}
TIMEOUT = {24, 36, 152, 255, -24}


def _module(meta: Path) -> str:
    rel = meta.relative_to("mutants").as_posix().removesuffix(".py.meta").removeprefix("src/")
    return rel.replace("/", ".")


def _status(code: int | None) -> str:
    if code is None:
        return "not run"
    if code in KILLED:
        return "killed"
    if code in TIMEOUT:  # a test waited for what never came: a kill too
        return "timeout"
    if code in SURVIVED:
        return "survived"
    return "no tests" if code in (5, 33) else "other"


def main(modules: list[str]) -> int:
    metas = sorted(Path("mutants").rglob("*.py.meta"))
    if not metas:
        print("No mutation results: run `make mutation` first.")
        return 1
    rows: list[tuple[str, Counter[str]]] = []
    survivors: list[str] = []
    for meta in metas:
        module = _module(meta)
        if modules and module not in modules:
            continue
        codes: dict[str, int | None] = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        count: Counter[str] = Counter()
        for name, code in codes.items():
            status = _status(code)
            count[status] += 1
            if status in ("survived", "no tests"):
                survivors.append(name)
        rows.append((module, count))
    print(
        f"{'module':32} {'mutants':>7} {'run':>5} {'killed':>6} {'timeout':>7} {'survived':>8} {'no tests':>8}"
        f" {'kill rate':>9}"
    )
    for module, count in rows:
        total = sum(count.values())
        run = total - count["not run"]
        rate = f"{100 * (count['killed'] + count['timeout']) / run:.0f}%" if run else "-"
        print(
            f"{module:32} {total:7} {run:5} {count['killed']:6} {count['timeout']:7} {count['survived']:8}"
            f" {count['no tests']:8} {rate:>9}"
        )
    if survivors:
        print(f"\n{len(survivors)} survivors (mutmut show <name> for the diff):")
        for name in survivors:
            print(" ", name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
