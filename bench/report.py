"""Turns one run's results into the Markdown summary and the PNG chart.

Every figure sits next to its floor measured in the same run, as a ratio: on a shared 2-core
machine absolute numbers drift from run to run, the ratios much less.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from bench.common import pct, ratio

Row = tuple[str, str, str, str, str, str]  # figure, value, target, floor, ratio, verdict


def _f(x: Any, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, float):
        return f"{x:,.1f}{unit}" if abs(x) >= 10 else f"{x:,.2f}{unit}"
    return f"{x:,}{unit}" if isinstance(x, int) else f"{x}{unit}"


def _verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("met" if ok else "**missed**")


def pooled(runs: list[dict[str, Any]], *keys: str) -> dict[str, float]:
    """p50/p99 over the raw samples of every repeat (keys walk into each run)."""
    samples: list[float] = []
    for r in runs:
        node: Any = r
        for k in keys:
            node = node.get(k, {}) if isinstance(node, dict) else {}
        samples.extend(node.get("samples_ms", []) if isinstance(node, dict) else [])
    if not samples:
        return {"n": 0}
    return {"n": len(samples), "p50_ms": round(pct(samples, 50), 2), "p99_ms": round(pct(samples, 99), 2)}


def ingest_rows(res: dict[str, Any], label: str, target: bool) -> list[Row]:
    rows: list[Row] = []
    for c, lv in res.get("levels", {}).items():
        wps, floor = lv["webhooks_per_s"], lv["floor_tx_per_s"]
        r = ratio(wps, floor)
        tgt, ok = "–", None
        if target and c == "20":
            tgt, ok = "≥ 1,000 msg/s and ≥ 40 % of floor", lv["messages_per_s"] >= 1000 and r >= 0.4
        rows.append(
            (
                f"{label} c={c}: webhooks/s (msg/s)",
                f"{_f(wps)} ({_f(lv['messages_per_s'])})",
                tgt,
                f"{_f(floor)} tx/s raw",
                f"{r:.2f}",
                _verdict(ok),
            )
        )
        rows.append(
            (
                f"{label} c={c}: p50 / p99 response",
                f"{_f(lv['p50_ms'])} / {_f(lv['p99_ms'])} ms",
                "–",
                f"{_f(lv['floor_p50_ms'])} / {_f(lv['floor_p99_ms'])} ms",
                f"{ratio(lv['p99_ms'], lv['floor_p99_ms']):.1f}",
                f"errors {lv['errors']}, outbox drained {lv['outbox_drain_s']} s after",
            )
        )
    return rows


def pipeline_rows(res: dict[str, Any]) -> list[Row]:
    runs = res.get("runs", {})
    if not runs:
        return []
    floor = pooled(runs["floor"])
    rows: list[Row] = [
        (
            "bare Centrifugo publish→receive",
            f"{_f(floor.get('p50_ms'))} / {_f(floor.get('p99_ms'))} ms",
            "(floor)",
            "–",
            "–",
            "–",
        )
    ]
    for kind in ("centrifugo", "embedded"):
        e2e = pooled(runs[kind], "webhook_to_subscriber")
        p99 = e2e.get("p99_ms", float("nan"))
        fp99 = floor.get("p99_ms", float("nan"))
        ok = p99 < 50 and p99 - fp99 <= 20
        rows.append(
            (
                f"webhook→subscriber ({kind}) p50 / p99",
                f"{_f(e2e.get('p50_ms'))} / {_f(p99)} ms",
                "p99 < 50 ms, ≤ floor + 20 ms",
                f"{_f(fp99)} ms p99",
                f"{ratio(p99, fp99):.1f} (+{p99 - fp99:.1f} ms)",
                _verdict(ok),
            )
        )
    sim = runs.get("sim", [{}])
    sim_p99 = max((s.get("p99_ms", 0.0) for s in sim), default=0.0)
    resp = pooled(runs["send"], "response")
    sent = pooled(runs["send"], "to_sent_event")
    floor_send = sim_p99 + floor.get("p99_ms", 0.0)
    rows.append(
        (
            "send: response p50 / p99",
            f"{_f(resp.get('p50_ms'))} / {_f(resp.get('p99_ms'))} ms",
            "p99 < 50 ms",
            f"{_f(sim_p99)} ms p99 (direct simulator call)",
            f"{ratio(resp.get('p99_ms', float('nan')), sim_p99):.1f}",
            _verdict(resp.get("p99_ms", 1e9) < 50),
        )
    )
    rows.append(
        (
            "send: POST → message_status SENT p50 / p99",
            f"{_f(sent.get('p50_ms'))} / {_f(sent.get('p99_ms'))} ms",
            "p99 < 50 ms",
            f"{_f(floor_send)} ms (simulator + Centrifugo p99)",
            f"{ratio(sent.get('p99_ms', float('nan')), floor_send):.1f}",
            _verdict(sent.get("p99_ms", 1e9) < 50),
        )
    )
    return rows


def reads_rows(res: dict[str, Any], label: str, targets: bool) -> list[Row]:
    rows: list[Row] = []
    floors = res.get("floors", {})
    hz = floors.get("http_healthz", {}).get("p50_ms")
    s1 = floors.get("sql_select_1", {}).get("p50_ms")
    hx = floors.get("http_healthz_httpx", {}).get("p50_ms")
    note = f"GET /healthz through httpx: {_f(hx)} ms (the reads use aiohttp)" if hx is not None else "–"
    rows.append((f"{label}: floors GET /healthz / SELECT 1 p50", f"{_f(hz)} / {_f(s1)} ms", "(floor)", "–", "–", note))
    for org_key in ("big", "tenth"):
        org = res.get(org_key)
        if not org:
            continue
        n = org["org"]["conversations"]
        for name, r in org["paths"].items():
            tgt_ms = 100.0 if name.startswith("search") else 30.0
            p95 = r["http"]["p95_ms"]
            seq = ", ".join(r["seq_scans_on_big_tables"]) or "none"
            rows.append(
                (
                    f"{label} [{n:,} conv org] {name}: http p50 / p95",
                    f"{_f(r['http']['p50_ms'])} / {_f(p95)} ms",
                    f"p95 < {tgt_ms:.0f} ms" if targets else "–",
                    f"SQL {_f(r['sql']['p50_ms'])} / {_f(r['sql']['p95_ms'])} ms",
                    f"{ratio(r['http']['p50_ms'], r['sql']['p50_ms']):.1f}",
                    (_verdict(p95 < tgt_ms) if targets else "–") + f"; seq scans: {seq}",
                )
            )
    return rows


def memory_rows(res: dict[str, Any], ingest: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    if not res:
        return rows
    rows.append(("app RSS idle", f"{_f(res.get('app_idle_rss_mb'))} MiB", "–", "–", "–", "–"))
    peaks = [lv.get("rss_peak_mb", 0.0) for lv in ingest.get("levels", {}).values()]
    if peaks:
        rows.append(("app RSS peak under scenario 1", f"{_f(max(peaks))} MiB", "–", "–", "–", "–"))
    hub = {p["connections"]: p for p in res.get("hub", {}).get("points", [])}
    cf = {p["connections"]: p for p in res.get("centrifugo", {}).get("points", [])}
    for n, point in hub.items():
        floor = cf.get(n, {}).get("kb_per_connection")
        rows.append(
            (
                f"embedded hub: RSS per WebSocket at {n:,} connections",
                f"{_f(point['kb_per_connection'])} kB (RSS {point['rss_mb']} MiB)",
                "–",
                f"Centrifugo {_f(floor)} kB",
                f"{ratio(point['kb_per_connection'], floor or float('nan')):.2f}",
                f"{point['failed']} failed",
            )
        )
    return rows


def core_figures(results: dict[str, Any]) -> list[str]:
    """The two figures the 'Core service' issue asked for, spelled out."""
    lines = []
    ingest = results.get("ingest", {}).get("levels", {})
    if ingest:
        lines.append(
            f"- Webhook requests/s on this machine (PostgreSQL + Centrifugo, outbox draining): "
            f"**{_f(ingest.get('1', {}).get('webhooks_per_s'))}/s sequential**, "
            f"**{_f(ingest.get('20', {}).get('webhooks_per_s'))}/s at 20 concurrent**."
        )
    for key, label in (("reads", "PostgreSQL"), ("sqlite_reads", "SQLite")):
        res = results.get(key, {})
        for org_key in ("tenth", "big"):
            org = res.get(org_key)
            if org and org["org"]["conversations"] >= 5000:
                r = org["paths"]["list"]["http"]
                lines.append(
                    f"- List conversations ({label}, org with {org['org']['conversations']:,} conversations, "
                    f"database with {res['config']['conversations']:,}): "
                    f"**p50 {_f(r['p50_ms'])} ms / p95 {_f(r['p95_ms'])} ms** through HTTP."
                )
                break
    return lines


def legacy_rows(res: dict[str, Any]) -> list[Row]:
    """Scenario `legacy` (bench_legacy.py): import rows/s next to a COPY of the same rows."""
    if not res.get("per_kind"):
        return []
    size = f"{res['config']['leads']:,} leads / {res['config']['messages']:,} msgs"
    rows: list[Row] = [
        (
            f"legacy import ({size}): legacy rows/s, wall {res['wall_seconds']} s",
            _f(res["legacy_rows_per_s"]),
            "–",
            f"{_f(res['floor_rows_per_s'])} (COPY)",
            _f(res["ratio_to_floor"]),
            f"exit {res['exit_code']}",
        )
    ]
    for kind, k in res["per_kind"].items():
        rows.append((f"legacy import: {kind} imported/s", _f(k["rows_per_s"]), "–", "–", "–", "–"))
    return rows


def scheduled_rows(res: dict[str, Any]) -> list[Row]:
    """Scenario `scheduled` (bench_scheduled.py): due messages sent by the job, beside the send floor."""
    if "lag" not in res:
        return []
    cfg, floor, seq = res["config"], res.get("floor_rate", {}), res.get("floor_sequential", {})
    size = f"{cfg['scheduled']:,} due at once / {cfg['conversations']:,} conv, {cfg['job_workers']} job loop(s)"
    checks = f"{res['duplicates']} duplicates, {res['missing']} missing, DB {'ok' if res.get('ok') else 'WRONG'}"
    return [
        (
            f"scheduled ({size}): msgs/s from due time",
            _f(res["msgs_per_s"]),
            "all sent exactly once",
            f"{_f(floor.get('msgs_per_s'))}/s (simulator, {floor.get('concurrency')} at a time)",
            f"{ratio(res['msgs_per_s'], floor.get('msgs_per_s', float('nan'))):.2f}",
            ("met" if res.get("ok") else "**missed**") + f"; {checks}",
        ),
        (
            "scheduled: lag due → sent p50 / p99",
            f"{_f(res['lag'].get('p50_ms'))} / {_f(res['lag'].get('p99_ms'))} ms",
            "–",
            f"{_f(seq.get('p50_ms'))} / {_f(seq.get('p99_ms'))} ms (one direct send)",
            "–",
            f"first after {res['first_send_after_due_s']} s, all after {res['all_sent_after_due_s']} s",
        ),
    ]


def cluster_rows(res: dict[str, Any]) -> list[Row]:
    """Scenario `cluster` (bench_cluster.py): two web processes vs one; the other node vs the same."""
    rows: list[Row] = []
    for c, lv in res.get("levels", {}).items():
        rows.append(
            (
                f"cluster ingest c={c}: two webs vs one, webhooks/s (p99 ms)",
                f"{_f(lv['two_webs_per_s'])} ({_f(lv['two_webs_p99_ms'])})",
                "–",
                f"{_f(lv['one_web_per_s'])} ({_f(lv['one_web_p99_ms'])}) one web",
                _f(lv["two_over_one"]),
                f"{lv['errors']} errors",
            )
        )
    lat = res.get("latency")
    if lat:
        same, across = lat["same_node"], lat["across_nodes"]
        rows.append(
            (
                "cluster webhook → subscriber p50 / p99, across nodes",
                f"{_f(across.get('p50_ms'))} / {_f(across.get('p99_ms'))} ms",
                "–",
                f"{_f(same.get('p50_ms'))} / {_f(same.get('p99_ms'))} ms same node",
                f"+{_f(across.get('p99_ms', 0) - same.get('p99_ms', 0))} ms p99",
                "–",
            )
        )
    return rows


def reports_rows(res: dict[str, Any]) -> list[Row]:
    """Scenario 7 (bench_reports.py): each report's p95 next to its SQL time, seq scans of messages."""
    if not res.get("reports"):
        return []
    cfg = res["config"]
    size = f"{cfg['conversations']:,} conv / {cfg['messages']:,} msgs, {cfg['days']} days"
    rows: list[Row] = []
    for name, r in res["reports"].items():
        if "error" in r:
            rows.append((f"7 reports PG ({size}): {name}", "–", "< 300", "–", "–", f"❌ {r['error'][:120]}"))
            continue
        p95, sql = r["service_ms"].get("p95_ms"), r["sql_ms"].get("p95_ms")
        rows.append(
            (
                f"7 reports PG ({size}): {name} p95 ms ({r['statements']} statements)",
                _f(p95),
                "< 300",
                f"{_f(sql)} (SQL)",
                _f(r.get("ratio_p95")),
                _verdict(bool(r["ok"])) + f"; seq scans: {', '.join(r['seq_scans']) or 'none'}",
            )
        )
    return rows


def cost_table(res: dict[str, Any]) -> list[str]:
    """bench_cost.py: what one request costs, the floors beside (issue 16)."""
    if not res.get("webhook"):
        return []
    out = [
        "",
        "## Cost per request (one at a time, PostgreSQL + Centrifugo)",
        "",
        "| request | SQL statements | commits | outbox rows | app CPU ms | PostgreSQL CPU ms | target |",
        "|---|---|---|---|---|---|---|",
    ]

    def line(name: str, c: dict[str, Any], target: str) -> str:
        cells = (c["statements"], c["commits"], c["outbox_rows"], c["app_cpu_ms"], c["pg_cpu_ms"])
        return f"| {name} | " + " | ".join(_f(x) for x in cells) + f" | {target} |"

    web = res["webhook"]
    each = web.get("statements_each", web["statements"])
    ok = each <= 8 and web["commits"] < 1.05 and web["outbox_rows"] <= 2
    background = "; ".join(f"{k} {v}" for k, v in web.get("statements_background", {}).items())
    out.append(line("message webhook (ingest + publication)", web, "≤ 8 / ≤ 1 / ≤ 2"))
    out.append(
        f"| … statements run for every webhook | {_f(each)} | | | | | {_verdict(ok)}; "
        f"the rest, occasional: {background or '–'} |"
    )
    out.append(line("floor: raw INSERT + UPDATE transaction", res["webhook_floor"], "(floor)"))
    for name, c in res.get("reads", {}).items():
        out.append(line(f"read: {name}", c, "(floor)" if "floor" in name else "–"))
    return out


def markdown(results: dict[str, Any]) -> str:
    info = results.get("run", {})
    out = [
        f"# Whatrack benchmarks — {info.get('date', '')}{' (quick)' if results.get('quick') else ''}",
        "",
        f"Commit `{info.get('commit')}`{' (dirty tree)' if info.get('dirty') else ''} · Python {info.get('python')} · "
        f"PostgreSQL {info.get('postgres')} · SQLite {info.get('sqlite')} · {info.get('centrifugo')} · "
        f"{info.get('cpus')} CPUs, load at start {info.get('loadavg_at_start')} · "
        + ", ".join(f"{k} {v}" for k, v in info.get("packages", {}).items()),
        "",
        "Ratios are value ÷ floor measured in the same run (for throughput higher is better, for latency "
        "lower). The machine is shared: read ratios, not absolute numbers.",
        "",
        "## Core service figures",
        *core_figures(results),
        "",
        "## All figures",
        "",
        "| figure | value | target | floor (same run) | ratio | verdict / notes |",
        "|---|---|---|---|---|---|",
    ]
    rows: list[Row] = []
    rows += ingest_rows(results.get("ingest", {}), "1 ingest PG", True)
    rows += pipeline_rows(results.get("pipeline", {}))
    rows += reads_rows(results.get("reads", {}), "4 reads PG", True)
    rows += memory_rows(results.get("memory", {}), results.get("ingest", {}))
    rows += ingest_rows(results.get("sqlite_ingest", {}), "6 ingest SQLite", False)
    rows += reads_rows(results.get("sqlite_reads", {}), "6 reads SQLite", True)
    rows += reports_rows(results.get("reports", {}))
    rows += legacy_rows(results.get("legacy", {}))
    rows += scheduled_rows(results.get("scheduled", {}))
    rows += cluster_rows(results.get("cluster", {}))
    out += ["| " + " | ".join(r) + " |" for r in rows]
    out += cost_table(results.get("cost", {}))
    errors = results.get("errors", {})
    if errors:
        out += ["", "## Scenario failures", *[f"- {k}: `{v}`" for k, v in errors.items()]]
    out += ["", "Configurations (sizes, concurrency, repeats) are in the JSON next to this file under `*.config`."]
    return "\n".join(out) + "\n"


def chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(14, 10))
    ax = axes[0][0]
    for key, label, style in (("ingest", "PostgreSQL", "-"), ("sqlite_ingest", "SQLite", "--")):
        levels = results.get(key, {}).get("levels", {})
        if not levels:
            continue
        cs = [int(c) for c in levels]
        ax.plot(cs, [levels[str(c)]["webhooks_per_s"] for c in cs], "o" + style, label=f"app {label}")
        ax.plot(cs, [levels[str(c)]["floor_tx_per_s"] for c in cs], "s" + style, label=f"raw floor {label}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("concurrency")
    ax.set_ylabel("webhooks (floor: transactions) per s")
    ax.set_title("1/6 ingest throughput vs concurrency")
    ax.legend(fontsize=8)

    ax = axes[0][1]
    for key, label in (("ingest", "PG"), ("sqlite_ingest", "SQLite")):
        levels = results.get(key, {}).get("levels", {})
        if not levels:
            continue
        cs = [int(c) for c in levels]
        ax.plot(cs, [levels[str(c)]["p50_ms"] for c in cs], "o-", label=f"p50 {label}")
        ax.plot(cs, [levels[str(c)]["p99_ms"] for c in cs], "^-", label=f"p99 {label}")
        ax.plot(cs, [levels[str(c)]["floor_p99_ms"] for c in cs], "x:", label=f"floor p99 {label}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("concurrency")
    ax.set_ylabel("ms")
    ax.set_title("1/6 ingest response time vs concurrency")
    ax.legend(fontsize=8)

    ax = axes[1][0]
    runs = results.get("pipeline", {}).get("runs", {})
    series = []
    if runs:
        series = [
            ("Centrifugo\nfloor", [x for r in runs["floor"] for x in r.get("samples_ms", [])]),
            (
                "webhook→sub\nCentrifugo",
                [x for r in runs["centrifugo"] for x in r["webhook_to_subscriber"]["samples_ms"]],
            ),
            ("webhook→sub\nembedded", [x for r in runs["embedded"] for x in r["webhook_to_subscriber"]["samples_ms"]]),
            ("send\nresponse", [x for r in runs["send"] for x in r["response"]["samples_ms"]]),
            ("send→SENT\nevent", [x for r in runs["send"] for x in r["to_sent_event"]["samples_ms"]]),
        ]
        series = [(n, s) for n, s in series if s]
        ax.boxplot([s for _, s in series], whis=(1, 99), showfliers=False)
        ax.set_xticks(range(1, len(series) + 1), [n for n, _ in series], fontsize=8)
        ax.axhline(50, color="red", linestyle=":", label="target p99 50 ms")
        ax.legend(fontsize=8)
    ax.set_ylabel("ms (box p25–p75, whiskers p1–p99)")
    ax.set_title("2/3 latency distributions, one message at a time")

    ax = axes[1][1]
    reads = results.get("reads", {}).get("big", {}).get("paths", {})
    if reads:
        names = list(reads)
        xs = range(len(names))
        ax.bar([x - 0.2 for x in xs], [reads[n]["http"]["p95_ms"] for n in names], 0.4, label="HTTP p95")
        ax.bar([x + 0.2 for x in xs], [reads[n]["sql"]["p95_ms"] for n in names], 0.4, label="SQL alone p95")
        ax.set_xticks(list(xs), names, rotation=30, fontsize=8)
        ax.axhline(30, color="red", linestyle=":", label="target 30 ms (100 ms search)")
        ax.set_yscale("log")
        ax.legend(fontsize=8)
        n = results["reads"]["big"]["org"]["conversations"]
        ax.set_title(f"4 read paths, PostgreSQL, org with {n:,} conversations")
    ax.set_ylabel("ms")
    info = results.get("run", {})
    fig.suptitle(f"Whatrack bench {info.get('date', '')} commit {info.get('commit')} ({info.get('cpus')} CPUs, shared)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
