#!/usr/bin/env python3
"""Load benchmarks for the services, measured next to a baseline in the same run.

    python3 bench/run.py [loan|gateway|portfolio|all] [--rounds 5] [--duration 6]
                         [--connections 16] [--out results.md]

`loan` (the default), all on this machine, all on loopback:

1. builds loan-api (release) and starts a throwaway PostgreSQL 15 cluster pinned to CPU 0;
2. loads 10 000 loans with predictable ids (plus the five demo loans);
3. times loan-api from start to healthy (median of five starts), then starts it pinned to CPU 0
   (sharing it with PostgreSQL, so the API and pgbench get the same server-side CPU) and reads
   its idle RSS;
4. alternates, --rounds times, pgbench pinned to CPU 1 on the very query `GET /api/loans/{id}`
   runs (prepared statements, like sqlx) and wrk pinned to CPU 1 on `GET /api/loans/{id}`, both
   at the same concurrency: the machine is shared and noisy, so the ratio is taken per round and
   the median reported;
5. loads `GET /api/loans`, `POST /api/loans` and `GET /api/stats`, runs the stock
   `pgbench -S` for reference, and reads RSS after load;
6. prints a Markdown report (and writes it to --out when given).

`gateway`: loan-api and the gateway both pinned to CPU 0 with PostgreSQL; `GET /api/loans/{id}`
direct and through the gateway alternate for --rounds rounds at the same concurrency (ratio of
medians), then both at one connection, where the difference in p50 is the gateway's own
latency; the gateway's RSS after load.

`portfolio`: portfolio-api pinned to CPU 0 with PostgreSQL; `/assets` and `/insights` against
pgbench running the same queries, with the in-memory cache on (as deployed) and off (every
request a query).

`web`: portfolio-api, the gateway and web on CPU 0; the rendered dashboard (two API calls and a
page) against the gateway's `/api/portfolio/assets` at the same concurrency; web's RSS.

Needs: PostgreSQL 15 server binaries (PG_BIN, default /usr/lib/postgresql/15/bin), pgbench,
wrk, taskset (Debian: postgresql-15, wrk, util-linux). It cleans up everything it started.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
SERVER_CPU = "0"
LOAD_CPU = "1"
LOANS = 10_000

GET_LOAN_SQL = """\\set n random(1, {loans})
SELECT id, borrower_id, amount, currency, status, term_months, interest_rate_apr,
       created_at, updated_at, version
FROM loans WHERE id = ('00000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid;
"""


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float | None
    p99_ms: float | None
    errors: int
    requests: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, text=True, capture_output=True, **kwargs)
    if done.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{done.stdout}{done.stderr}")
    return done


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class Postgres:
    """A throwaway cluster, pinned to the server CPU, stopped by PID."""

    def __init__(self, workdir: Path):
        self.dir = workdir / "pg"
        self.port = free_port()
        self.as_postgres: list[str] = []
        if os.geteuid() == 0:
            subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], capture_output=True)
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
        self.dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        run(self.as_postgres + [str(PG_BIN / "initdb"), "-D", str(self.dir / "data"), "-U", "postgres",
                                "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.dir} "
                   "-c shared_buffers=256MB -c max_connections=200")
        run(["taskset", "-c", SERVER_CPU] + self.as_postgres +
            [str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-w", "-o", options, "start"])
        self.pid = int((self.dir / "data" / "postmaster.pid").read_text().split()[0])

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def psql(self, database: str, sql: str) -> None:
        run(["psql", self.url(database), "-qX", "-v", "ON_ERROR_STOP=1", "-c", sql])

    def stop(self) -> None:
        try:
            os.kill(self.pid, signal.SIGINT)
            for _ in range(100):
                os.kill(self.pid, 0)
                time.sleep(0.1)
        except ProcessLookupError:
            pass


def pgbench(pg: Postgres, database: str, args: list[str], seconds: int) -> tuple[float, float | None]:
    out = run(["taskset", "-c", LOAD_CPU, "pgbench", "-n", "-T", str(seconds), "-j", "1", *args, pg.url(database)]).stdout
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    latency = re.search(r"latency average = ([\d.]+) ms", out)
    return tps, float(latency.group(1)) if latency else None


def parse_duration_ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(name: str, url: str, script: Path | None, connections: int, seconds: int) -> Result:
    """Runs wrk on the load CPU; a Lua `script` only where requests vary (it costs wrk time)."""
    scripted = ["-s", str(script)] if script else []
    out = run(["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
               *scripted, url]).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        errors += int(non2xx.group(1))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Result(name, rps, parse_duration_ms(p50.group(1)) if p50 else None,
                  parse_duration_ms(p99.group(1)) if p99 else None, errors, requests)


def wait_ready(port: int, started: float, timeout: float = 10.0) -> float:
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=1) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.002)
    raise RuntimeError("loan-api never became ready")


def build() -> Path:
    print("building the services (release)…", file=sys.stderr)
    run(["cargo", "build", "--release", "--locked", "-p", "loan-api", "-p", "portfolio-api", "-p", "gateway", "-p", "web"], cwd=ROOT)
    return ROOT / "target" / "release"


def start(binary: Path, env: dict, args: list[str], log: Path) -> tuple[subprocess.Popen, int]:
    """Starts a service pinned to the server CPU on a free port; returns it once ready."""
    port = free_port()
    process = subprocess.Popen(["taskset", "-c", SERVER_CPU, str(binary), *args],
                               env={**env, "PORT": str(port)}, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    wait_ready(port, time.monotonic())
    return process, port


def stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def median_result(name: str, results: list[Result]) -> Result:
    return Result(name, statistics.median(r.rps for r in results), statistics.median(r.p50_ms for r in results),
                  statistics.median(r.p99_ms for r in results), sum(r.errors for r in results),
                  sum(r.requests for r in results))


def table(rows: list[Result], extra: list[str] = ()) -> list[str]:
    lines = ["| Load | Requests/s | p50 | p99 | Errors |", "|---|---:|---:|---:|---:|"]
    for r in rows:
        p50 = f"{r.p50_ms:.2f} ms" if r.p50_ms is not None else "–"
        p99 = f"{r.p99_ms:.2f} ms" if r.p99_ms is not None else "–"
        lines.append(f"| {r.name} | {r.rps:,.0f} | {p50} | {p99} | {r.errors} of {r.requests:,} |")
    return lines + list(extra)


def load_loans(pg: Postgres, binaries: Path, env: dict) -> None:
    pg.psql("postgres", "CREATE DATABASE loans")
    run([str(binaries / "loan-api"), "migrate"], env=env)
    run([str(binaries / "loan-api"), "seed"], env=env)
    pg.psql("loans", f"""
        INSERT INTO loans (id, borrower_id, amount, currency, status, term_months, interest_rate_apr, created_at, updated_at)
        SELECT ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, 'bench_' || (n % 500),
               (n % 49999) + 1 + 0.25, (ARRAY['KES','INR','NGN','VND','PHP'])[1 + n % 5],
               (ARRAY['pending','approved','rejected','disbursed','repaid','defaulted'])[1 + n % 6],
               1 + n % 24, 20 + n % 10, now() - n * interval '1 second', now() - n * interval '1 second'
        FROM generate_series(1, {LOANS}) AS n""")
    pg.psql("loans", "VACUUM ANALYZE loans")


def bench_loan(args, pg: Postgres, binaries: Path, workdir: Path, env: dict) -> list[str]:
    binary = binaries / "loan-api"
    script = workdir / "get_loan.sql"
    script.write_text(GET_LOAN_SQL.format(loans=LOANS))
    lua = ROOT / "bench" / "wrk"

    print("loan-api: start to healthy…", file=sys.stderr)
    starts = []
    for _ in range(5):
        port = free_port()
        started = time.monotonic()
        probe = subprocess.Popen(["taskset", "-c", SERVER_CPU, str(binary), "serve", "--no-migrate"],
                                 env={**env, "PORT": str(port)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        starts.append(wait_ready(port, started) * 1000)
        stop(probe)
    ready_ms = statistics.median(starts)

    api, port = start(binary, {**env, "DB_MAX_CONNECTIONS": str(args.connections)}, ["serve", "--no-migrate"],
                      workdir / "loan-api.log")
    try:
        time.sleep(1)
        idle_rss = rss_mib(api.pid)
        base = f"http://127.0.0.1:{port}"
        print(f"loan-api: GET /api/loans/{{id}} against pgbench, {args.rounds} rounds…", file=sys.stderr)
        pgbench_args = ["-M", "prepared", "-c", str(args.connections), "-f", str(script)]
        pgbench(pg, "loans", pgbench_args, 3)
        wrk("warm-up", base + "/", lua / "get_loan.lua", args.connections, 3)
        rounds = []
        for _ in range(args.rounds):
            tps, latency = pgbench(pg, "loans", pgbench_args, args.duration)
            result = wrk("GET /api/loans/{id}", base + "/", lua / "get_loan.lua", args.connections, args.duration)
            rounds.append((tps, latency, result))
        ratios = [result.rps / tps for tps, _, result in rounds]
        same_query_tps = statistics.median(tps for tps, _, _ in rounds)
        same_query_latency = statistics.median(latency for _, latency, _ in rounds if latency is not None)
        results = [median_result("GET /api/loans/{id}", [result for _, _, result in rounds])]
        for name, path, script_path in [
            ("GET /api/loans (page of 100)", "/api/loans", None),
            ("POST /api/loans", "/api/loans", lua / "create_loan.lua"),
            ("GET /api/stats", "/api/stats", None),
        ]:
            print(f"loan-api: wrk {name}…", file=sys.stderr)
            wrk(name, base + path, script_path, args.connections, 3)
            results.append(wrk(name, base + path, script_path, args.connections, args.duration))
        after_rss = rss_mib(api.pid)
    finally:
        stop(api)

    print("pgbench -S…", file=sys.stderr)
    pg.psql("postgres", "CREATE DATABASE pgbench")
    run(["pgbench", "-i", "-q", "-s", "10", pg.url("pgbench")])
    stock_tps, _ = pgbench(pg, "pgbench", ["-S", "-M", "prepared", "-c", str(args.connections)], args.duration)

    return ["### loan-api", ""] + table(results, [
        f"| pgbench, the same query as `GET /api/loans/{{id}}` (prepared) | {same_query_tps:,.0f} | "
        f"{same_query_latency:.2f} ms (mean) | – | – |",
        f"| pgbench -S (stock, scale 10, prepared) | {stock_tps:,.0f} | – | – | – |",
        "",
        f"- `GET /api/loans/{{id}}` ÷ pgbench on the same query, per round: "
        f"{', '.join(f'{r:.0%}' for r in ratios)}; median **{statistics.median(ratios):.0%}**",
        f"- start to healthy (`/ready` 200), median of five starts: **{ready_ms:.0f} ms** "
        f"({', '.join(f'{ms:.0f}' for ms in starts)})",
        f"- RSS idle: **{idle_rss:.1f} MiB**; after load: **{after_rss:.1f} MiB**",
    ])


# The load comes from one address: the gateway's per-client rate limit is lifted for it.
UNLIMITED = {"RATE_LIMIT_PER_SECOND": "10000000", "RATE_LIMIT_BURST": "10000000"}


def bench_gateway(args, pg: Postgres, binaries: Path, workdir: Path, env: dict) -> list[str]:
    lua = ROOT / "bench" / "wrk"
    config = (ROOT / "services" / "gateway" / "config" / "gateway.toml").read_text()
    # The benchmark is one client: lift its rate limit out of the way.
    # The load comes from one address: lift the per-client rate limit (RATE_LIMIT_* in gateway.toml).
    (workdir / "gateway.toml").write_text(config)
    api, api_port = start(binaries / "loan-api", {**env, "DB_MAX_CONNECTIONS": str(args.connections)},
                          ["serve", "--no-migrate"], workdir / "loan-api.log")
    gateway = None
    try:
        gateway, gateway_port = start(binaries / "gateway", {**os.environ, "RUST_LOG": "info",
                                                             "GATEWAY_CONFIG": str(workdir / "gateway.toml"), **UNLIMITED,
                                                             "LOAN_API_URL": f"http://127.0.0.1:{api_port}",
                                                             # Not loaded here; any ready upstream lets
                                                             # the gateway report ready.
                                                             "PORTFOLIO_API_URL": f"http://127.0.0.1:{api_port}"},
                                      [], workdir / "gateway.log")
        direct = f"http://127.0.0.1:{api_port}/"
        through = f"http://127.0.0.1:{gateway_port}/"
        print(f"gateway: direct and through the gateway, {args.rounds} rounds…", file=sys.stderr)
        wrk("warm-up", direct, lua / "get_loan.lua", args.connections, 3)
        wrk("warm-up", through, lua / "get_loan.lua", args.connections, 3)
        rounds = []
        for _ in range(args.rounds):
            rounds.append((wrk("direct", direct, lua / "get_loan.lua", args.connections, args.duration),
                           wrk("gateway", through, lua / "get_loan.lua", args.connections, args.duration)))
        ratios = [g.rps / d.rps for d, g in rounds]
        print("gateway: one connection…", file=sys.stderr)
        single = []
        for _ in range(args.rounds):
            single.append((wrk("direct", direct, lua / "get_loan.lua", 1, args.duration),
                           wrk("gateway", through, lua / "get_loan.lua", 1, args.duration)))
        added = [g.p50_ms - d.p50_ms for d, g in single]
        rss = rss_mib(gateway.pid)
    finally:
        stop(gateway)
        stop(api)
    rows = [
        median_result(f"GET /api/loans/{{id}} direct, {args.connections} connections", [d for d, _ in rounds]),
        median_result(f"GET /api/loans/{{id}} through the gateway, {args.connections} connections", [g for _, g in rounds]),
        median_result("GET /api/loans/{id} direct, 1 connection", [d for d, _ in single]),
        median_result("GET /api/loans/{id} through the gateway, 1 connection", [g for _, g in single]),
    ]
    return ["### gateway", ""] + table(rows, [
        "",
        f"- through the gateway ÷ direct at {args.connections} connections, per round: "
        f"{', '.join(f'{r:.2f}' for r in ratios)}; median **{statistics.median(ratios):.2f}×**",
        f"- p50 added by the gateway at one connection, per round: "
        f"{', '.join(f'{a:.3f}' for a in added)} ms; median **{statistics.median(added):.3f} ms**",
        f"- gateway RSS after load: **{rss:.1f} MiB**",
    ])


ASSETS_SQL = "SELECT id, nominal_value, status, due_date FROM assets ORDER BY id LIMIT 101;\n"
INSIGHTS_SQL = """SELECT coalesce(round(sum(nominal_value), 2), 0),
  coalesce(round(count(*) FILTER (WHERE status = 'defaulted')::numeric / nullif(count(*), 0), 4), 0),
  coalesce(round(sum(nominal_value) FILTER (WHERE status = 'active'), 2), 0),
  coalesce(round(coalesce(sum(nominal_value) FILTER (WHERE status = 'paid'), 0) / nullif(sum(nominal_value), 0), 4), 0)
FROM assets;
"""


def bench_portfolio(args, pg: Postgres, binaries: Path, workdir: Path) -> list[str]:
    binary = binaries / "portfolio-api"
    lua = ROOT / "bench" / "wrk"
    pg.psql("postgres", "CREATE DATABASE portfolio")
    env = {**os.environ, "DATABASE_URL": pg.url("portfolio"), "RUST_LOG": "info", "LOG_FORMAT": "json",
           "DB_MAX_CONNECTIONS": str(args.connections)}
    run([str(binary), "migrate"], env=env)
    run([str(binary), "seed"], env=env)
    pg.psql("portfolio", "VACUUM ANALYZE assets")
    queries = {"/assets": ASSETS_SQL, "/insights": INSIGHTS_SQL}
    rows, notes = [], []
    for cache_ttl, label in [("1000", "cached"), ("0", "cache off")]:
        api, port = start(binary, {**env, "CACHE_TTL_MS": cache_ttl}, ["serve", "--no-migrate"], workdir / "portfolio.log")
        try:
            for path, sql in queries.items():
                script = workdir / f"portfolio{path.replace('/', '_')}.sql"
                script.write_text(sql)
                pgbench_args = ["-M", "prepared", "-c", str(args.connections), "-f", str(script)]
                print(f"portfolio-api: {path} ({label}) against pgbench…", file=sys.stderr)
                pgbench(pg, "portfolio", pgbench_args, 2)
                wrk("warm-up", f"http://127.0.0.1:{port}{path}", None, args.connections, 2)
                rounds = []
                for _ in range(args.rounds):
                    tps, _ = pgbench(pg, "portfolio", pgbench_args, args.duration)
                    rounds.append((tps, wrk(path, f"http://127.0.0.1:{port}{path}", None, args.connections, args.duration)))
                ratios = [r.rps / tps for tps, r in rounds]
                result = median_result(f"GET {path} ({label})", [r for _, r in rounds])
                rows.append(result)
                notes.append(f"- `{path}` ({label}) ÷ pgbench on the same query (median {statistics.median(t for t, _ in rounds):,.0f} TPS): "
                             f"median **{statistics.median(ratios):.0%}**; ÷ the original's 1.8k req/s: **{result.rps / 1800:.1f}×**")
            rss = rss_mib(api.pid)
            notes.append(f"- RSS after load ({label}): {rss:.1f} MiB")
        finally:
            stop(api)
    return ["### portfolio-api", ""] + table(rows, [""] + notes)


def bench_web(args, pg: Postgres, binaries: Path, workdir: Path) -> list[str]:
    config = (ROOT / "services" / "gateway" / "config" / "gateway.toml").read_text()
    # The load comes from one address: lift the per-client rate limit (RATE_LIMIT_* in gateway.toml).
    (workdir / "gateway.toml").write_text(config)
    if "portfolio" not in run(["psql", pg.url("postgres"), "-tAc", "SELECT datname FROM pg_database"]).stdout.split():
        pg.psql("postgres", "CREATE DATABASE portfolio")
    env = {**os.environ, "DATABASE_URL": pg.url("portfolio"), "RUST_LOG": "info", "LOG_FORMAT": "json"}
    run([str(binaries / "portfolio-api"), "migrate"], env=env)
    run([str(binaries / "portfolio-api"), "seed"], env=env)
    services = []
    try:
        portfolio, portfolio_port = start(binaries / "portfolio-api", env, ["serve", "--no-migrate"], workdir / "portfolio.log")
        services.append(portfolio)
        upstream = f"http://127.0.0.1:{portfolio_port}"
        gateway, gateway_port = start(binaries / "gateway", {**os.environ, "GATEWAY_CONFIG": str(workdir / "gateway.toml"), **UNLIMITED,
                                                             "LOAN_API_URL": upstream, "PORTFOLIO_API_URL": upstream},
                                      [], workdir / "gateway.log")
        services.append(gateway)
        web, web_port = start(binaries / "web", {**os.environ, "API_URL": f"http://127.0.0.1:{gateway_port}"}, [], workdir / "web.log")
        services.append(web)
        assets = f"http://127.0.0.1:{gateway_port}/api/portfolio/assets"
        dashboard = f"http://127.0.0.1:{web_port}/"
        print(f"web: dashboard against the gateway's assets, {args.rounds} rounds…", file=sys.stderr)
        wrk("warm-up", assets, None, args.connections, 2)
        wrk("warm-up", dashboard, None, args.connections, 2)
        rounds = []
        for _ in range(args.rounds):
            rounds.append((wrk("assets", assets, None, args.connections, args.duration),
                           wrk("dashboard", dashboard, None, args.connections, args.duration)))
        ratios = [page.rps / api.rps for api, page in rounds]
        rss = rss_mib(web.pid)
    finally:
        for service in reversed(services):
            stop(service)
    rows = [
        median_result("GET /api/portfolio/assets through the gateway", [api for api, _ in rounds]),
        median_result("GET / (dashboard: insights + assets, rendered)", [page for _, page in rounds]),
    ]
    return ["### web", ""] + table(rows, [
        "",
        f"- dashboard ÷ the gateway's `/api/portfolio/assets`, per round: {', '.join(f'{r:.2f}' for r in ratios)}; "
        f"median **{statistics.median(ratios):.2f}×**",
        f"- web RSS after load: **{rss:.1f} MiB**",
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", nargs="?", default="loan", choices=["loan", "gateway", "portfolio", "web", "all"])
    parser.add_argument("--duration", type=int, default=6, help="seconds per load run")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds for each ratio")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--out", type=Path, help="also write the report here")
    args = parser.parse_args()

    for tool in ("wrk", "pgbench", "taskset", "psql"):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} is missing (Debian: apt-get install wrk postgresql-15 util-linux)")
    if os.cpu_count() < 2:
        sys.exit("bench: needs two CPUs (server on one, load on the other)")

    binaries = build()
    workdir = Path(tempfile.mkdtemp(prefix="bench."))
    workdir.chmod(0o755)  # the cluster may run as the `postgres` user
    pg = Postgres(workdir)
    try:
        env = {**os.environ, "DATABASE_URL": pg.url("loans"), "RUST_LOG": "info", "LOG_FORMAT": "json"}
        sections = []
        if args.target in ("loan", "gateway", "all"):
            load_loans(pg, binaries, env)
        if args.target in ("loan", "all"):
            sections.append(bench_loan(args, pg, binaries, workdir, env))
        if args.target in ("gateway", "all"):
            sections.append(bench_gateway(args, pg, binaries, workdir, env))
        if args.target in ("portfolio", "all"):
            sections.append(bench_portfolio(args, pg, binaries, workdir))
        if args.target in ("web", "all"):
            sections.append(bench_web(args, pg, binaries, workdir))
        commit = run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT).stdout.strip()
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "unknown")
        lines = [
            f"Commit `{commit}`, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} × {cpu}; servers (services + PostgreSQL 15) "
            f"pinned to CPU {SERVER_CPU}, load pinned to CPU {LOAD_CPU}; {args.connections} connections unless stated, "
            f"{args.duration} s per run after a warm-up; ratios alternate their two sides for {args.rounds} rounds "
            "and rows show medians.",
            "",
        ]
        for section in sections:
            lines += section + [""]
        report = "\n".join(lines)
        print(report)
        if args.out:
            args.out.write_text(report + "\n")
        return 0
    finally:
        pg.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
