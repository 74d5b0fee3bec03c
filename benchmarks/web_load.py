"""Web load: concurrent authenticated clients on the event browser and dashboard, both backends.

    python -m benchmarks.web_load [--files N] [--seconds S] [--warmup S] [--clients C] [--workers W]
                                   [--solo R] [--skip-pg]

For SQLite and then PostgreSQL (a fresh schema), loads the London burglary months (all 133 by
default, 851,697 rows), refreshes planner statistics as the store's upkeep would, creates an
analyst with a bearer token, and starts the real app with
uvicorn in its own process on 127.0.0.1 (so the clients' CPU is not the server's). Then C
clients (default 50), each with its own connection, send requests for --warmup seconds (default 5)
and then S more (default 30), which alone are measured, from a fixed mix: ``/api/events`` with
varied filters and offsets, ``/api/summary``, the ``/events``
page and the dashboard ``/``. Before the load, one client sends each kind a few times alone
(``--solo``): what a request costs without queueing, and a warm-up. Latency is measured per
request at the client, from send to the last byte; an error is any answer but 200, or none
within 120 s. The clients do not pause between requests (a closed loop), so once the server is
saturated every request queues: p50 is then about clients / throughput, whatever it asks for.
The warm-up is reported apart: 50 clients arriving at once on cold connections queue for a second
or so, which is start-up, not service (errors there still count). Afterwards the audit chain is
verified and must have grown by at least one entry per request
made (the solo rounds included).

Prints requests/s and p50/p95/p99 per backend and per kind of request, and the peak RSS of the
uvicorn process(es) (PostgreSQL's own processes are not counted); writes
benchmarks/results/web_load.json; the last line is
``RESULT p99_ms_sqlite=X p99_ms_pg=X errors=N audit_ok=1|0``.
Target (issue 3): p99 < 250 ms and no errors on both backends.
"""

import argparse
import asyncio
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path

import aiohttp
import httpx
import numpy as np
import psutil
import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from benchmarks.common import postgres_store, shared_data, sqlite_store, write_result
from peelian.db.schema import audit_head, events
from peelian.governance import accounts, audit, sessions
from peelian.ingest.pipeline import ingest
from peelian.ingest.police_uk import PoliceUkAdapter

console = Console(width=None if sys.stdout.isatty() else 160)
PASSWORD = "load test password"
TIMEOUT = 120  # seconds a client waits for an answer before counting an error
HEADERS = {"X-Purpose": "investigation", "X-Case-Ref": "LOAD-1"}
# (kind, weight): what the clients ask for, in these proportions.
MIX = (
    ("api/events page", 20),
    ("api/events area", 10),
    ("api/events month", 10),
    ("api/events cat+month", 5),
    ("api/events text", 5),
    ("api/summary", 15),
    ("/events page", 20),
    ("/ dashboard", 15),
)


class Requests:
    """Draws requests from the mix, with filter values taken from the loaded data."""

    def __init__(self, engine: sa.Engine) -> None:
        with engine.connect() as conn:
            self.total = conn.execute(sa.select(sa.func.count()).select_from(events)).scalar()
            first, last = conn.execute(sa.select(sa.func.min(events.c.time_from),
                                                 sa.func.max(events.c.time_from))).one()  # fmt: skip
            sample = conn.execute(
                sa.select(events.c.area_code, events.c.location_text, events.c.category)
                .where(events.c.area_code.is_not(None))
                .order_by(events.c.id)  # ids are hashes: a spread-out sample
                .limit(2000)
            ).all()
        self.areas = sorted({r.area_code for r in sample})
        streets = {r.location_text.removeprefix("On or near ") for r in sample if r.location_text}
        self.streets = sorted(streets)
        self.categories = sorted({r.category for r in sample})
        self.months = []
        month = first.date().replace(day=1)
        while month <= last.date():
            self.months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        self.kinds, self.weights = zip(*MIX, strict=True)

    def _month(self, rng: random.Random) -> dict:
        start = rng.choice(self.months)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return {"date_from": start.isoformat(), "date_to": end.isoformat()}

    def draw(self, rng: random.Random, kind: str | None = None) -> tuple[str, str, dict]:
        kind = kind or rng.choices(self.kinds, self.weights)[0]
        deep = min(self.total, 10_000)  # how far people page in practice
        if kind == "api/events page":
            params = {"offset": rng.randrange(0, max(deep, 1), 50), "limit": rng.choice((20, 50, 100))}
            return kind, "/api/events", params
        if kind == "api/events area":
            return kind, "/api/events", {"area": rng.choice(self.areas), "offset": rng.choice((0, 0, 50))}
        if kind == "api/events month":
            return kind, "/api/events", self._month(rng) | {"offset": rng.randrange(0, 1000, 50)}
        if kind == "api/events cat+month":
            return kind, "/api/events", self._month(rng) | {"category": rng.choice(self.categories)}
        if kind == "api/events text":
            return kind, "/api/events", {"q": rng.choice(self.streets)}
        if kind == "api/summary":
            return kind, "/api/summary", {}
        if kind == "/events page":
            params = {"page": rng.randint(1, max(deep // 50, 1))}
            if rng.random() < 0.3:
                params["area"] = rng.choice(self.areas)
            return kind, "/events", params
        return kind, "/", {}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(url: str, workers: int, log: Path):
    """The real app under uvicorn, in its own process (and its workers)."""
    port = _free_port()
    env = os.environ | {"PEELIAN_DATABASE_URL": url, "PEELIAN_COOKIE_SECURE": "false"}
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "peelian.web.app:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    with log.open("w") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"the server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the server did not start in 60 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base, psutil.Process(proc.pid)
    finally:
        proc.terminate()  # uvicorn finishes the requests in flight, so their audit entries land
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def _high_water(proc: psutil.Process) -> int:
    """The kernel's own peak RSS of the server's main process (Linux), between our samples too."""
    with suppress(OSError):
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


async def _drive(base: str, token: str, mix: Requests, args, proc) -> dict:
    clients, seconds, solo_rounds = args.clients, args.seconds, args.solo
    headers = {"Authorization": f"Bearer {token}"} | HEADERS
    samples: list[tuple[str, float, int, float]] = []  # kind, seconds, status (0: no answer), sent at
    failures: list[str] = []
    made = 0
    peak = _tree_rss(proc)

    solo: dict[str, list[float]] = defaultdict(list)

    async def get(session: aiohttp.ClientSession, path: str, params: dict) -> tuple[int, str]:
        """(status, start of the body); the whole body is read, as a browser would."""
        async with session.get(path, params=params) as response:
            body = await response.read()
            return response.status, body[:200].decode(errors="replace")

    def session(connections: int) -> aiohttp.ClientSession:
        # aiohttp, not httpx: the clients share the server's two cores, and httpx spent about 40%
        # of one core driving 50 clients.
        return aiohttp.ClientSession(
            base_url=base, headers=headers, timeout=aiohttp.ClientTimeout(total=TIMEOUT),
            connector=aiohttp.TCPConnector(limit=connections),
        )  # fmt: skip

    async def one_at_a_time() -> None:
        """Each kind alone, one client: what a request costs without queueing (and a warm-up)."""
        nonlocal made
        rng = random.Random(0)
        async with session(1) as client:
            for _ in range(solo_rounds):
                for kind in mix.kinds:
                    _, path, params = mix.draw(rng, kind)
                    made += 1
                    started = time.perf_counter()
                    try:
                        status, _ = await get(client, path, params)
                    except (aiohttp.ClientError, TimeoutError) as exc:
                        status = f"{type(exc).__name__} {exc}"
                    solo[kind].append(time.perf_counter() - started)
                    if status != 200:
                        failures.append(f"one at a time: {kind} {path} {params}: {status}")

    async def user(number: int, until: float) -> None:
        nonlocal made
        rng = random.Random(number)
        async with session(1) as client:
            while time.perf_counter() < until:
                kind, path, params = mix.draw(rng)
                made += 1
                started = time.perf_counter()
                try:
                    status, text = await get(client, path, params)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    status, text = 0, ""
                    failures.append(f"{kind} {path} {params}: {type(exc).__name__} {exc}")
                samples.append((kind, time.perf_counter() - started, status, started))
                if status not in (0, 200) and len(failures) < 1000:
                    failures.append(f"{kind} {path} {params}: {status} {text}")

    async def watch(until: float) -> None:
        nonlocal peak
        while time.perf_counter() < until:
            peak = max(peak, _tree_rss(proc))
            await asyncio.sleep(0.2)

    await one_at_a_time()
    started = time.perf_counter()
    measured_from = started + args.warmup
    until = measured_from + seconds
    await asyncio.gather(watch(until), *(user(i, until) for i in range(clients)))
    elapsed = time.perf_counter() - measured_from
    peak = max(peak, _high_water(proc))
    warmup = [(k, t, st) for k, t, st, sent in samples if sent < measured_from]
    measured = [(k, t, st) for k, t, st, sent in samples if sent >= measured_from]
    return {"samples": measured, "warmup": warmup, "failures": failures, "made": made, "elapsed": elapsed,
            "peak_rss": peak, "solo": solo}  # fmt: skip


def _percentiles(seconds: list[float]) -> dict:
    if not seconds:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}
    ms = np.array(seconds) * 1000
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {"p50_ms": round(p50, 1), "p95_ms": round(p95, 1), "p99_ms": round(p99, 1),
            "max_ms": round(float(ms.max()), 1)}  # fmt: skip


def _backend(name: str, store, folder: Path, args, tmp: Path) -> dict:
    with store as engine:
        console.print(f"[bold]{name}[/]: loading {folder.name} ...")
        started = time.perf_counter()
        report = ingest(engine, PoliceUkAdapter(), folder, 50_000, 1 << 32, parallel=True)
        loaded = time.perf_counter() - started
        _settle(engine)
        accounts.create(engine, "loadtest", "Load Test", PASSWORD, ["analyst"], actor="benchmark")
        token = sessions.issue_token(engine, "loadtest", "web_load benchmark")
        mix = Requests(engine)
        before = audit.verify(engine)
        url = engine.url.render_as_string(hide_password=False)
        console.print(f"[bold]{name}[/]: {mix.total:,} events loaded in {loaded:.0f} s; "
                      f"{args.clients} clients for {args.seconds:.0f} s ...")  # fmt: skip
        with server(url, args.workers, tmp / f"server-{name}.log") as (base, proc):
            run = asyncio.run(_drive(base, token, mix, args, proc))
        after = audit.verify(engine)
        with engine.connect() as conn:
            head_seq = conn.execute(sa.select(audit_head.c.seq)).scalar()
    samples = run["samples"]
    errors = sum(1 for _, _, status in samples + run["warmup"] if status != 200) + sum(
        1 for f in run["failures"] if f.startswith("one at a time")
    )
    by_kind: dict[str, list[float]] = defaultdict(list)
    for kind, seconds, _ in samples:
        by_kind[kind].append(seconds)
    grew = after.entries - before.entries
    result = {
        "events": mix.total,
        "ingest": report.as_dict()["totals"] | {"seconds": round(loaded, 1)},
        "requests": len(samples),
        "warmup": {"requests": len(run["warmup"]), **_percentiles([t for _, t, _ in run["warmup"]])},
        "requests_made": run["made"],
        "seconds": round(run["elapsed"], 2),
        "requests_s": round(len(samples) / run["elapsed"], 1),
        "errors": errors,
        "error_examples": run["failures"][:20],
        **_percentiles([s for _, s, _ in samples]),
        "by_kind": {k: {"requests": len(v), **_percentiles(v)} for k, v in sorted(by_kind.items())},
        "one_at_a_time_median_ms": {k: round(float(np.median(v)) * 1000, 1) for k, v in run["solo"].items()},
        "server_peak_rss_mb": round(run["peak_rss"] / 1024**2),
        "audit": {
            "ok": before.ok and after.ok,
            "entries_before": before.entries,
            "entries_after": after.entries,
            "grew": grew,
            "head_seq": head_seq,
            "problem": after.problem,
        },
    }
    result["audit_ok"] = result["audit"]["ok"] and grew >= run["made"]
    return result


def _settle(engine: sa.Engine) -> None:
    """What a store's own upkeep does within a minute of a bulk load: planner statistics, and on
    PostgreSQL the visibility map that index-only scans need (autovacuum's insert threshold)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE events" if engine.dialect.name == "postgresql" else "ANALYZE"))


def _audit_cell(r: dict) -> str:
    return f"{r['audit']['grew']:,} / {r['requests_made']:,} {'ok' if r['audit_ok'] else 'FAIL'}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=None, help="only the first N monthly files")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the load (default 30)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--warmup", type=float, default=5.0,
                        help="seconds of the same load before the measured ones (default 5)")  # fmt: skip
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="uvicorn worker processes (default: one per core, as deployed)")  # fmt: skip
    parser.add_argument("--solo", type=int, default=3, help="rounds of each kind alone, before the load")
    parser.add_argument("--skip-pg", action="store_true", help="SQLite only")
    args = parser.parse_args()

    source = shared_data() / "london_met_burglary_street"
    results: dict = {
        "config": {
            "files": args.files or "all",
            "seconds": args.seconds,
            "clients": args.clients,
            "warmup_seconds": args.warmup,
            "workers": args.workers,
            "mix": dict(MIX),
            "cpus": os.cpu_count(),
            "load_average_before": os.getloadavg(),  # other work on the machine skews every figure
        },
    }
    with tempfile.TemporaryDirectory(prefix="peelian-bench-") as name:
        tmp = Path(name)
        folder = source
        if args.files:
            folder = tmp / f"first-{args.files}-months"
            folder.mkdir()
            for f in sorted(source.glob("*-street.csv.gz"))[: args.files]:
                shutil.copy(f, folder)
        results["sqlite"] = _backend("sqlite", sqlite_store(tmp), folder, args, tmp)
        if not args.skip_pg:
            results["postgresql"] = _backend("postgresql", postgres_store(), folder, args, tmp)

    backends = [b for b in ("sqlite", "postgresql") if b in results]
    table = Table("backend", "events", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors",
                  "server peak RSS MB", "audit grew", title=f"{args.clients} clients, {args.seconds:.0f} s, "
                  f"{args.workers} worker(s)")  # fmt: skip
    for b in backends:
        r = results[b]
        table.add_row(b, f"{r['events']:,}", f"{r['requests']:,}", f"{r['requests_s']:,.1f}",
                      *(f"{r[k]}" for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")), str(r["errors"]),
                      f"{r['server_peak_rss_mb']:,}", _audit_cell(r))  # fmt: skip
    console.print(table)
    columns = ("alone", "n", "p50", "p99")
    kinds = Table("kind", *(f"{b} {c}" for b in backends for c in columns),
                  title="by kind (ms); alone: median with one client, before the load")  # fmt: skip
    for kind, _ in MIX:
        cells = []
        for b in backends:
            k = results[b]["by_kind"].get(kind, {"requests": 0, "p50_ms": None, "p99_ms": None})
            alone = results[b]["one_at_a_time_median_ms"].get(kind)
            cells += [str(alone), str(k["requests"]), str(k["p50_ms"]), str(k["p99_ms"])]
        kinds.add_row(kind, *cells)
    console.print(kinds)
    for b in backends:
        for line in results[b]["error_examples"][:5]:
            console.print(f"[red]{b} error[/]: {line}")
    write_result("web_load", results)
    errors = sum(results[b]["errors"] for b in backends)
    audit_ok = all(results[b]["audit_ok"] for b in backends)
    pg = results.get("postgresql", {}).get("p99_ms")
    print(f"RESULT p99_ms_sqlite={results['sqlite']['p99_ms']} p99_ms_pg={pg if pg is not None else 'NA'} "
          f"errors={errors} audit_ok={int(audit_ok)}")  # fmt: skip


if __name__ == "__main__":
    main()
