"""`make bench`, two-host mode: the same database served by two gunicorn hosts (own ports
and instance folders) behind Debian's nginx, round-robin, beside the one-host figures.

Each host gets half of BENCH_WORKERS (at least one), so the two hosts have the CPU the one
host had: the figures show what the proxy and the shared database cost, and that sessions
made through one host are valid on the other (a login goes to one host, the requests to
both; any error would be counted). Skipped, with a note, when nginx is not installed.
BENCH_TWO_HOSTS=0 leaves it out.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGETS = [  # (name as in run.py's table, path, htmx)
    ("/healthz", "/healthz", False),
    ("tracker list, first page", "/tracker/", False),
    ("petition list", "/petitions/", False),
    ("petition search 'dat dai' (no marks)", "/petitions/?q=dat+dai", True),
    ("dashboard", "/reports/", False),
]


def measure(bench, one_host: dict) -> dict:
    """Hammer TARGETS through nginx before two hosts on `bench.bench_url()`; print them
    beside `one_host` (run.py's results of the last size) and return the figures."""
    from tests.hosts import cluster

    if not (shutil.which("nginx") or os.path.exists(cluster.NGINX)):
        print("\ntwo hosts: skipped (nginx is not installed: apt-get install nginx)")
        return {}
    workers = max(1, bench.WORKERS // 2)
    folder = Path(tempfile.mkdtemp(prefix="bench-hosts-"))
    port_a, port_b, port_proxy = (bench.free_port() for _ in range(3))
    url = bench.bench_url()
    # The hashes' own cost, as the one-host run logs in (no rehash on the first login).
    cost = {"ARGON2_TIME_COST": os.environ.get("ARGON2_TIME_COST", "3"),
            "ARGON2_MEMORY_COST": os.environ.get("ARGON2_MEMORY_COST", "65536")}
    hosts = [cluster.Host(name, port, folder / name, cluster.host_env(url, folder / name, **cost))
             for name, port in (("a", port_a), ("b", port_b))]
    proxy = None
    results = {}
    try:
        for host in hosts:
            host.start(workers=workers, threads=1)
        proxy = cluster.start_nginx(folder / "nginx", port_proxy, [port_a, port_b])
        print(f"\ntwo hosts behind nginx (gunicorn {workers} worker(s) each, round-robin), "
              f"{bench.CONCURRENCY} clients, {bench.SECONDS:.0f}s each; beside one host with "
              f"{bench.WORKERS} workers\n")
        print(f"{'target':36} {'req/s 1':>8} {'req/s 2':>8} {'p50 ms 2':>9} {'p95 ms 2':>9} "
              f"{'errors':>6}")
        for name, path, htmx in TARGETS:
            headers = {"HX-Request": "true"} if htmx else {}
            user = None if path == "/healthz" else "vanphong"
            r = bench.hammer(port_proxy, path, headers, user)
            results[name] = r
            single = one_host.get(name, {}).get("rps", float("nan"))
            print(f"{name:36} {single:8.1f} {r['rps']:8.1f} {r['p50_ms']:9.1f} "
                  f"{r['p95_ms']:9.1f} {r['errors']:6d}")
    finally:
        cluster.stop(proxy)
        for host in hosts:
            host.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return results
