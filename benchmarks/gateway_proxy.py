"""Benchmark of the gateway's proxy path and of the situational picture's fan-out (a script, not a test).

    uv run python benchmarks/gateway_proxy.py [--db sqlite|postgresql] [--connections 8,32]
                                              [--duration 8] [--install]

It starts the budget, pilots and participants services (uvicorn, one worker each, migrated and
seeded on SQLite or PostgreSQL), an nginx reverse proxy in front of the budget service (Debian's
``nginx``, generated config on loopback, run as a non-daemon child) and the gateway (one worker),
then loads a single-resource GET (``/projects/S21894`` of the budget service) with ``wrk`` through
each path and prints requests/s, p99 and the serving process's CPU time per request: direct,
nginx, gateway (its own pooled HTTP/1.1 client on llhttp, the real one, with its server protocol), the same gateway with aiohttp's client (``HANKE_GATEWAY_UPSTREAM_CLIENT=aiohttp``)
and the gateway with an ``httpx.AsyncClient`` on the proxy path instead. Finally it times the
situational picture against its slowest upstream call, one request at a time.

Missing tools are named with the command that installs them; nothing is installed unless
``--install`` is given (it then runs ``apt-get install -y nginx wrk``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from gateway.h1client import ConnectionPool
from gateway.h1client import Response as H1Response

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.gateway_bench_support import (
    Process,
    WrkResult,
    database_urls,
    drop_databases,
    find_tools,
    free_port,
    nginx_config,
    prepare_databases,
    run_wrk,
    token,
)

PROJECT = "S21894"
GATEWAY_PROTOCOL = "gateway.server:HttpToolsProtocol"  # as hanke up and docker-compose run it


def resource(service: str, port: int, bearer: str) -> str:
    """The single resource to GET: the seeded project (budget) or the first seeded pilot (pilots)."""
    if service == "budget":
        return f"/projects/{PROJECT}"
    if service == "light":
        return "/pilots/0b8e5c1e-6b1f-4a43-9d3e-2f1c7a9b4d10"
    listed = httpx.get(
        f"http://127.0.0.1:{port}/projects/{PROJECT}/pilots",
        headers={"Authorization": f"Bearer {bearer}"},
        timeout=10,
    )
    listed.raise_for_status()
    return f"/pilots/{listed.json()['items'][0]['id']}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--service",
        choices=["budget", "pilots", "light"],
        default="pilots",
        help="the service behind the proxies (light: a one-route FastAPI app in place of pilots)",
    )
    parser.add_argument(
        "--connections", default="8,32", help="comma-separated wrk connection counts; empty: only the view"
    )
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--view-samples", type=int, default=200)
    parser.add_argument("--install", action="store_true", help="apt-get install missing nginx/wrk")
    args = parser.parse_args()

    tools = find_tools(install=args.install)
    if tools is None:
        return 2
    nginx, wrk = tools
    connections = [int(c) for c in args.connections.split(",") if c.strip()]
    workdir = Path(tempfile.mkdtemp(prefix="hanke-gw-bench-"))
    urls = database_urls(args.db, workdir)
    print(f"databases: {args.db}; preparing (migrate + seed) ...", flush=True)
    prepare_databases(urls)
    bearer = token()
    ports = {
        name: free_port()
        for name in ("budget", "pilots", "participants", "nginx", "gateway", "aiohttp", "httpx")
    }
    light = args.service == "light"
    quiet = {"PYTHONWARNINGS": "ignore"}
    procs: list[Process] = []
    try:
        if light:  # the light app stands in for the pilots service
            procs.append(Process.uvicorn("benchmarks.gateway_light_app:create_app", ports["pilots"], quiet))
        for service in ("budget", "participants") if light else ("budget", "pilots", "participants"):
            env = {
                f"HANKE_{service.upper()}_DATABASE_URL": urls[service],
                f"HANKE_{service.upper()}_LOG_LEVEL": "WARNING",
            }
            # The services' peers (ADR 0001): pilots checks people in participants, budget pilots.
            if service == "pilots":
                env["HANKE_PILOTS_PARTICIPANTS_URL"] = f"http://127.0.0.1:{ports['participants']}"
            if service == "budget":
                env["HANKE_BUDGET_PILOTS_URL"] = f"http://127.0.0.1:{ports['pilots']}"
            procs.append(Process.uvicorn(f"{service}.main:create_app", ports[service], {**quiet, **env}))
        gw_env = {
            **quiet,
            "HANKE_GATEWAY_LOG_LEVEL": "WARNING",
            **{
                f"HANKE_GATEWAY_{s.upper()}_URL": f"http://127.0.0.1:{ports[s]}"
                for s in ("budget", "pilots", "participants")
            },
        }
        procs.append(Process.uvicorn("gateway.main:create_app", ports["gateway"], gw_env, GATEWAY_PROTOCOL))
        aiohttp_env = {**gw_env, "HANKE_GATEWAY_UPSTREAM_CLIENT": "aiohttp"}
        procs.append(
            Process.uvicorn("gateway.main:create_app", ports["aiohttp"], aiohttp_env, GATEWAY_PROTOCOL)
        )
        procs.append(Process.uvicorn("benchmarks.gateway_httpx_variant:create_app", ports["httpx"], gw_env))
        for proc in procs:
            proc.wait_listening()
        service = "pilots" if light else args.service
        path = resource(args.service, ports[service], bearer)
        conf = nginx_config(workdir, ports["nginx"], ports[service])
        procs.append(
            Process.start(
                "nginx", [nginx, "-c", str(conf), "-p", str(workdir), "-e", str(workdir / "nginx-error.log")]
            )
        )
        for proc in procs:
            proc.wait_listening()

        targets = {
            "direct": f"http://127.0.0.1:{ports[service]}{path}",
            "nginx": f"http://127.0.0.1:{ports['nginx']}{path}",
            "gateway": f"http://127.0.0.1:{ports['gateway']}/api/v1/{service}{path}",
            "gateway-aiohttp": f"http://127.0.0.1:{ports['aiohttp']}/api/v1/{service}{path}",
            "gateway-httpx": f"http://127.0.0.1:{ports['httpx']}/api/v1/{service}{path}",
        }
        check = httpx.get(targets["gateway"], headers={"Authorization": f"Bearer {bearer}"}, timeout=10)
        if check.status_code != 200:
            print(
                f"the resource did not answer 200 through the gateway: {check.status_code} {check.text[:200]}"
            )
            return 1
        if connections:
            print(
                f"\nsingle-resource GET {path} ({args.service} service, {args.db}), wrk {args.duration} s per run"
            )
            print(f"{'path':<15}{'conns':>6}{'req/s':>10}{'p99 ms':>10}{'errors':>8}{'cpu us/req':>12}")
        # The process that serves each path (direct: the service itself), for its CPU per request.
        by_port = {proc.port: proc.proc.pid for proc in procs}
        serving = {
            "direct": by_port[ports[service]],
            "nginx": by_port[ports["nginx"]],
            "gateway": by_port[ports["gateway"]],
            "gateway-aiohttp": by_port[ports["aiohttp"]],
            "gateway-httpx": by_port[ports["httpx"]],
        }
        results: dict[tuple[str, int], WrkResult] = {}
        for conns in connections:
            for name, url in targets.items():
                run_wrk(wrk, url, bearer, conns, 2)  # warm-up
                result = run_wrk(wrk, url, bearer, conns, args.duration, serving[name])
                results[(name, conns)] = result
                print(
                    f"{name:<15}{conns:>6}{result.rps:>10.0f}{result.p99_ms:>10.1f}{result.errors:>8}"
                    f"{result.cpu_us:>12.0f}",
                    flush=True,
                )
        if connections:
            print("\nratios (requests/s)")
        for conns in connections:
            d, n = results[("direct", conns)], results[("nginx", conns)]
            g, h = results[("gateway", conns)], results[("gateway-httpx", conns)]
            a = results[("gateway-aiohttp", conns)]
            print(
                f"  {conns:>3} conns: gateway/nginx {g.rps / n.rps:.2f} (goal >= 0.7), gateway/direct "
                f"{g.rps / d.rps:.2f}, nginx/direct {n.rps / d.rps:.2f}; aiohttp variant/nginx "
                f"{a.rps / n.rps:.2f}, httpx variant/nginx {h.rps / n.rps:.2f}; gateway/aiohttp variant "
                f"{g.rps / a.rps:.2f}x"
            )
            print(
                f"            CPU per request of the proxy: nginx {n.cpu_us:.0f} us, gateway {g.cpu_us:.0f} us, "
                f"aiohttp variant {a.cpu_us:.0f} us, httpx variant {h.cpu_us:.0f} us "
                f"(the service itself: {d.cpu_us:.0f} us)"
            )
        if light:
            print("\n(the situational picture needs the real pilots service: run without --service light)")
        else:
            asyncio.run(view_latency(ports, bearer, args.view_samples))
    finally:
        for proc in reversed(procs):
            proc.stop()
        drop_databases(urls)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def server_timing(header: str) -> dict[str, float]:
    out = {}
    for metric in header.split(","):
        name, _, dur = metric.strip().partition(";dur=")
        out[name] = float(dur)
    return out


def header(response: httpx.Response | H1Response, name: str) -> str:
    if isinstance(response, httpx.Response):
        return response.headers[name]
    return next(value for key, value in response.headers if key.lower() == name)


async def view_latency(ports: dict[str, int], bearer: str, samples: int) -> None:
    """The situational picture against its slowest upstream call, one request at a time.

    The gateway times each upstream call with its own client (``gateway.h1client``) and sends the
    times back in ``Server-Timing``; so the view is timed at the client with that same client, and
    the ratio view / slowest call in the same request compares like with like. The same figures
    with ``httpx`` (a heavier client, its own time per request included) follow, and the view
    against each call made alone and against the three calls made at once by the client.
    """
    headers = {"Authorization": f"Bearer {bearer}"}
    calls = {
        "budget": (ports["budget"], f"/projects/{PROJECT}/summary"),
        "pilots": (ports["pilots"], f"/projects/{PROJECT}/portfolio"),
        "participants": (ports["participants"], f"/projects/{PROJECT}/situation"),
    }
    view = f"/api/v1/views/projects/{PROJECT}/situation"
    pools = {port: ConnectionPool("127.0.0.1", port) for port in {*ports.values()}}

    async def lean_get(port: int, target: str) -> H1Response:
        return await pools[port].request("GET", target, list(headers.items()), b"", 30)

    med = statistics.median
    try:
        async with httpx.AsyncClient(headers=headers, timeout=30) as client:
            statuses = {
                name: (await client.get(f"http://127.0.0.1:{port}{path}")).status_code
                for name, (port, path) in calls.items()
            }
            body = (await client.get(f"http://127.0.0.1:{ports['gateway']}{view}")).json()
            figures: dict[str, list[float]] = {}

            def add(name: str, started: float) -> None:
                figures.setdefault(name, []).append((time.perf_counter() - started) * 1000)

            for _ in range(samples):
                for client_name, get in (
                    ("h1", lean_get),
                    ("httpx", lambda port, path: client.get(f"http://127.0.0.1:{port}{path}")),
                ):
                    started = time.perf_counter()
                    await asyncio.gather(*(get(port, path) for port, path in calls.values()))
                    add(f"{client_name} together", started)
                    for name, (port, path) in calls.items():
                        started = time.perf_counter()
                        await get(port, path)
                        add(f"{client_name} {name}", started)
                    started = time.perf_counter()
                    response = await get(ports["gateway"], view)
                    add(f"{client_name} view", started)
                    timing = server_timing(header(response, "server-timing"))
                    parts = [timing[name] for name in calls if name in timing]
                    figures.setdefault(f"{client_name} slowest", []).append(max(parts))
                    figures.setdefault(f"{client_name} total", []).append(timing["total"])
                    figures.setdefault(f"{client_name} sum", []).append(sum(parts))
    finally:
        for pool in pools.values():
            await pool.close()
    print(f"\nsituational picture, {samples} sequential requests (median ms)")
    for client_name, label in (("h1", "the gateway's own client (gateway.h1client)"), ("httpx", "httpx")):
        f = {k.split(" ", 1)[1]: med(v) for k, v in figures.items() if k.startswith(client_name + " ")}
        print(f" timed with {label}")
        for name in calls:
            print(f"  {name + ' call alone':<30}{f[name]:>8.2f}  (HTTP {statuses[name]})")
        print(
            f"  {'view at the client':<30}{f['view']:>8.2f}  missing: {[m['part'] for m in body['missing']]}"
        )
        print(f"  {'the three calls at once':<30}{f['together']:>8.2f}  (client-side gather, no gateway)")
        print(f"  {'slowest call inside the view':<30}{f['slowest']:>8.2f}  (Server-Timing)")
        print(f"  {'sum of the calls in the view':<30}{f['sum']:>8.2f}")
        print(
            f"  {'the view inside the gateway':<30}{f['total']:>8.2f}  (Server-Timing total: calls to body)"
        )
        slowest_alone = max(f[name] for name in calls)
        goal = " (goal <= 1.2)" if client_name == "h1" else ""
        print(
            f"  view / slowest call in the same request = {f['view'] / f['slowest']:.2f}{goal}; "
            f"view / the three calls at once = {f['view'] / f['together']:.2f}; "
            f"view / slowest call alone = {f['view'] / slowest_alone:.2f}; "
            f"sequential calls would give >= {f['sum'] / f['slowest']:.2f}"
        )


if __name__ == "__main__":
    os.environ.setdefault("HANKE_ENVIRONMENT", "development")
    sys.exit(main())
