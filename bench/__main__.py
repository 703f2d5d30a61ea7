"""`make bench` — every hot path next to its floor, side by side, in one run.

    .venv/bin/python -m bench                  # full run (~15 min on 2 cores)
    .venv/bin/python -m bench --quick          # smoke run (~1-2 min)
    .venv/bin/python -m bench --only ingest,reads --repeats 2
    make bench BENCH_ARGS="--quick"

Scenarios (see each module's docstring): ingest (1), pipeline (2+3), reads (4), memory (5),
sqlite_ingest + sqlite_reads (6), reports (7, issue 11), cost (bench_cost.py, issue 16: statements, commits,
outbox rows and CPU per request), media (bench_media.py, S3 vs local
disk) and cluster (bench_cluster.py, issue 14: two web processes vs one, across Centrifugo nodes).
`realtime` (bench_realtime.py, hub vs Centrifugo fan-out), `legacy` (bench_legacy.py, issue 15's
import) and `scheduled` (bench_scheduled.py, issue 10: due messages sent exactly once) are opt-in
through --only. Writes bench/results/<date>.json, <date>.md and <date>.png.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Coroutine
from typing import Any

from bench import (
    bench_cluster,
    bench_cost,
    bench_ingest,
    bench_legacy,
    bench_media,
    bench_memory,
    bench_pipeline,
    bench_reads,
    bench_reports,
    bench_scheduled,
    report,
)
from bench.common import REPO_ROOT, RESULTS_DIR, log, run_info

ALL = ("ingest", "cost", "reads", "pipeline", "memory", "sqlite_ingest", "sqlite_reads", "reports", "media", "cluster")
OPTIONAL = ("realtime", "legacy", "scheduled")


def _realtime(quick: bool) -> dict[str, Any]:
    args = [sys.executable, "-m", "bench.bench_realtime", *(["--quick"] if quick else [])]
    done = subprocess.run(args, cwd=REPO_ROOT, capture_output=True, text=True, timeout=900, check=True)
    parsed: dict[str, Any] = json.loads(done.stdout)
    return parsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat: a smoke run")
    parser.add_argument("--only", default="", help=f"comma list of {', '.join(ALL + OPTIONAL)}")
    parser.add_argument("--repeats", type=int, default=0, help="repeats per scenario (default 3, quick 1)")
    parser.add_argument("--legacy-leads", type=int, default=0, help="legacy scenario: leads (default 100,000)")
    parser.add_argument("--legacy-messages", type=int, default=0, help="legacy scenario: messages (default 10/lead)")
    parser.add_argument("--scheduled", type=int, default=0, help="scheduled: messages due at once (default 10,000)")
    parser.add_argument("--conversations", type=int, default=0, help="scheduled: across conversations (default 1,000)")
    parser.add_argument("--job-workers", type=int, default=1, help="scheduled: app processes whose job loops race")
    parser.add_argument("--reseed", action="store_true", help="rebuild the read-path datasets")
    parser.add_argument(
        "--reports-scale", type=float, default=1.0, help="reports: fraction of 100k conversations / 1M messages"
    )
    parser.add_argument("--out", default="", help="file stem under bench/results (default: date and time)")
    args = parser.parse_args()
    chosen = [s.strip() for s in args.only.split(",") if s.strip()] or list(ALL)
    unknown = set(chosen) - set(ALL + OPTIONAL)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    quick = args.quick
    repeats = args.repeats or (1 if quick else 3)

    info = run_info()
    log("run: " + json.dumps(info))
    results: dict[str, Any] = {"run": info, "quick": quick, "repeats": repeats, "scenarios": chosen, "errors": {}}
    started = time.perf_counter()
    scenarios: dict[str, Callable[[], Coroutine[Any, Any, dict[str, Any]]]] = {
        "ingest": lambda: bench_ingest.run(quick=quick, repeats=repeats),
        "cost": lambda: bench_cost.run(quick=quick),
        "reads": lambda: bench_reads.run(quick=quick, repeats=max(1, repeats - 1), reseed=args.reseed),
        "pipeline": lambda: bench_pipeline.run(quick=quick, repeats=repeats),
        "memory": lambda: bench_memory.run(quick=quick),
        "media": lambda: bench_media.run(quick=quick),
        "reports": lambda: bench_reports.run(
            quick=quick, repeats=max(1, repeats - 1), scale=args.reports_scale, reseed=args.reseed
        ),
        "legacy": lambda: bench_legacy.run(quick=quick, leads=args.legacy_leads, messages=args.legacy_messages),
        "scheduled": lambda: bench_scheduled.run(
            quick=quick, scheduled=args.scheduled, conversations=args.conversations, job_workers=args.job_workers
        ),
        "cluster": lambda: bench_cluster.run(quick=quick, repeats=max(1, repeats - 1)),
        "sqlite_ingest": lambda: bench_ingest.run(quick=quick, repeats=repeats, sqlite=True),
        "sqlite_reads": lambda: bench_reads.run(
            quick=quick, repeats=max(1, repeats - 1), sqlite=True, reseed=args.reseed
        ),
    }
    for name in chosen:
        t0 = time.perf_counter()
        log(f"=== {name} ===")
        try:
            if name == "realtime":
                results[name] = _realtime(quick)
            else:
                results[name] = asyncio.run(scenarios[name]())
            if results[name].get("problems"):  # measured, but a correctness check failed
                results["errors"][name] = "; ".join(results[name]["problems"])
        except Exception as exc:  # one broken scenario must not lose the others' numbers
            results["errors"][name] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        log(f"=== {name}: {time.perf_counter() - t0:.0f} s ===")
    results["total_seconds"] = round(time.perf_counter() - started, 1)

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stem = args.out or time.strftime("%Y-%m-%d_%H%M") + ("-quick" if quick else "")
    json_path = RESULTS_DIR / f"{stem}.json"
    md_path = RESULTS_DIR / f"{stem}.md"
    png_path = RESULTS_DIR / f"{stem}.png"
    json_path.write_text(json.dumps(results, indent=2, default=str))
    md = report.markdown(results)
    md_path.write_text(md)
    try:
        report.chart(results, png_path)
    except Exception:  # the numbers matter more than the picture
        traceback.print_exc()
    print(md)
    log(f"wrote {json_path}, {md_path}, {png_path} in {results['total_seconds']} s")
    if results["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
