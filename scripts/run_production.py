"""Run EduDX the way production runs it, on this machine and without containers.

PostgreSQL (one schema per service), SeaweedFS as the S3 store, migrations applied as their own step before
anything starts, each service its own uvicorn process (`--workers N` uvicorn workers each), the notifications
API without its background loops plus separate `python -m notifications.cli worker` processes (two by
default, as two replicas would run), the gateway in front. Every process writes JSON logs to
`<var>/logs/<process>.log`; Prometheus metrics of a service's processes (uvicorn workers and, for
notifications, the worker processes) are gathered in `<var>/metrics/<service>/` and served at its `/metrics`.
Ctrl-C or SIGTERM stops every process.

    .venv/bin/python scripts/run_production.py --seed --smtp-host 127.0.0.1 --smtp-port 1025

The helpers that work out settings are shared with scripts/run_embedded.py (`make run`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run_embedded as embedded

from edudx_common.server import command as server_command

REPO = embedded.REPO
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
# Services whose settings are read from the caller's `--set` options: the prefixes a key may start with.
SETTING_PREFIXES = tuple(f"{n.upper()}_" for n in [*embedded.SERVICE_ORDER, "gateway"])


@dataclass
class Topology:
    """What was started, for the banner and for a test to find its way around."""

    gateway_port: int
    ports: dict[str, int]
    var: Path
    processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    logs: list[IO[bytes]] = field(default_factory=list)

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        """Start one process with its output appended to `<var>/logs/<name>.log`."""
        log = (self.var / "logs" / f"{name}.log").open("ab")
        self.logs.append(log)
        process = subprocess.Popen(args, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        self.processes.append((name, process))
        return process

    def close_logs(self) -> None:
        for log in self.logs:
            log.close()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8000, help="the gateway's port")
    parser.add_argument("--first-service-port", type=int, default=embedded.FIRST_SERVICE_PORT,
                        help="services listen on consecutive ports from here (identity first)")
    parser.add_argument("--host", default="127.0.0.1", help="address the gateway listens on (services: loopback)")
    parser.add_argument("--var", default=str(REPO / "var" / "production"),
                        help="keys, secrets, S3 data, logs/ and metrics/ of this run")
    parser.add_argument("--postgres-url", default=os.environ.get("EDUDX_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    parser.add_argument("--schema-prefix", default="prod_",
                        help="each service's tables go into schema <prefix><service>; runs with different "
                             "prefixes do not collide on one server")
    parser.add_argument("--workers", type=worker_counts, default=worker_counts("1"), metavar="N[,SERVICE=N…]",
                        help="uvicorn worker processes per service: one number for all, then exceptions, "
                             "e.g. 1,submissions=2,gateway=2")
    parser.add_argument("--notification-workers", type=int, default=2,
                        help="separate `notifications.cli worker` processes (planning, expanding, sending)")
    parser.add_argument("--seed", action="store_true", help="create the demo province, accounts and campaign")
    parser.add_argument("--smtp-host", help="SMTP server for e-mails (none: e-mails are written to the log)")
    parser.add_argument("--smtp-port", type=int, default=25)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="settings",
                        help="any service setting, e.g. NOTIFICATIONS_QUIET_HOURS_START=00:00 (repeatable)")
    args = parser.parse_args(argv)
    for item in args.settings:
        name, sep, _value = item.partition("=")
        if not sep or not name.startswith(SETTING_PREFIXES):
            parser.error(f"--set {item!r}: expected NAME=VALUE with NAME starting with one of {SETTING_PREFIXES}")
    if args.notification_workers < 0:
        parser.error("--notification-workers ≥ 0")
    return args


def worker_counts(spec: str) -> dict[str, int]:
    """`2` → every service 2; `1,submissions=2,gateway=2` → 1 each except those. Key "" holds the default."""
    counts: dict[str, int] = {}
    for part in spec.split(","):
        name, _, number = part.strip().rpartition("=")
        if not number.isdigit() or int(number) < 1:
            raise argparse.ArgumentTypeError(f"{part!r}: a number of workers ≥ 1, optionally SERVICE=N")
        counts[name] = int(number)
    counts.setdefault("", 1)
    return counts


def workers_of(counts: dict[str, int], service: str) -> int:
    return counts.get(service, counts[""])


def production_env(name: str, env: dict[str, str], *, metrics_dir: Path, settings: dict[str, str]) -> dict[str, str]:
    """A service's embedded-run settings turned into production ones: JSON logs, production checks on,
    multiprocess metrics, plus the caller's `--set` values for this service."""
    prefix = name.upper() + "_"
    metrics_dir.mkdir(parents=True, exist_ok=True)
    return {**env, f"{prefix}ENVIRONMENT": "production", f"{prefix}LOG_JSON": "true",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "PYTHONUNBUFFERED": "1",
            **{k: v for k, v in settings.items() if k.startswith(prefix)}}


def uvicorn_command(app: str, port: int, workers: int, host: str = "127.0.0.1") -> list[str]:
    return server_command(app, host=host, port=port, options=[
        "--workers", str(workers), "--no-access-log", "--no-proxy-headers", "--timeout-graceful-shutdown", "10"])


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    var = Path(args.var).resolve()
    (var / "keys").mkdir(parents=True, exist_ok=True)
    (var / "logs").mkdir(parents=True, exist_ok=True)
    # Counters start again with the processes: files of an earlier run would be added to this one's.
    shutil.rmtree(var / "metrics", ignore_errors=True)
    settings = dict(item.partition("=")[::2] for item in args.settings)
    names = embedded.present_services()
    ports = {name: args.first_service_port + i for i, name in enumerate(names)}
    service_urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    public_url = settings.get("NOTIFICATIONS_APP_BASE_URL", f"http://127.0.0.1:{args.port}")
    base_env = embedded.outside_env()
    envs = {name: production_env(name, env, metrics_dir=var / "metrics" / name, settings=settings)
            for name, env in embedded.service_envs(var, ports, base_env, args.postgres_url, args.schema_prefix,
                                                   public_url).items()}
    if "notifications" in envs:
        envs["notifications"]["NOTIFICATIONS_RUN_WORKERS"] = "false"
        if args.smtp_host:
            envs["notifications"].update(NOTIFICATIONS_SMTP_HOST=args.smtp_host,
                                         NOTIFICATIONS_SMTP_PORT=str(args.smtp_port))
            envs["notifications"].setdefault("NOTIFICATIONS_SMTP_STARTTLS", "false")
        envs["notifications"].update({k: v for k, v in settings.items() if k.startswith("NOTIFICATIONS_")})
    python = sys.executable
    topology = Topology(gateway_port=args.port, ports=ports, var=var)
    object_store_origins: list[str] = []  # the SPA uploads to and previews from there: the gateway's CSP allows it

    def start() -> None:
        if "evidence" in names:
            # The object store exists before a deploy, like the database: started first, its keys in var/.
            from local_s3 import start_local_s3

            keys = embedded.s3_credentials(var)
            s3_process, endpoint, access_key, secret_key = start_local_s3(
                var / "s3", access_key=keys["access_key"], secret_key=keys["secret_key"])
            topology.processes.append(("s3", s3_process))
            envs["evidence"].update(EVIDENCE_S3_ENDPOINT=endpoint, EVIDENCE_S3_ACCESS_KEY=access_key,
                                    EVIDENCE_S3_SECRET_KEY=secret_key)
            envs["evidence"].update({k: v for k, v in settings.items() if k.startswith("EVIDENCE_")})
            object_store_origins.append(f"http://{endpoint}")
        # Migrations are a step of their own, as a deploy runs them (a Job) before the new version starts.
        demo = embedded.migrate_and_seed_identity(python, names, envs, seed=args.seed)
        # Services find each other lazily (tokens, JWKS on first use): they start together.
        started = {name: topology.start(name, uvicorn_command(f"{name}.main:create_app", ports[name],
                                                              workers_of(args.workers, name)),
                                        envs[name]) for name in names}
        for name, process in started.items():
            embedded.wait_healthy(f"{service_urls[name]}/healthz", process, name, timeout=180)
        for index in range(args.notification_workers if "notifications" in names else 0):
            topology.start(f"notifications-worker-{index + 1}", [python, "-m", "notifications.cli", "worker"],
                           envs["notifications"])
        if demo:
            embedded.seed_services(python, names, envs, demo)
        gateway_env = production_env("gateway", embedded.gateway_env(base_env, ports, object_store_origins),
                                     metrics_dir=var / "metrics" / "gateway", settings=settings)
        gateway = topology.start("gateway", uvicorn_command("gateway.main:create_app", args.port,
                                                            workers_of(args.workers, "gateway"), args.host),
                                 gateway_env)
        embedded.wait_healthy(f"http://127.0.0.1:{args.port}/healthz", gateway, "gateway", timeout=180)
        print_banner(topology, args, demo)

    try:
        embedded.run_until_stopped(start, topology.processes, stop_timeout=20)
    finally:
        topology.close_logs()


def print_banner(topology: Topology, args: argparse.Namespace, demo: dict[str, Any] | None) -> None:
    embedded.print_banner(topology.gateway_port, topology.ports, demo, kind="như production")
    workers = [name for name, _process in topology.processes if name.startswith("notifications-worker")]
    print("\n".join([
        f"  PostgreSQL:          {args.postgres_url} (schema {args.schema_prefix}<dịch vụ>)",
        "  Tiến trình uvicorn: " + ", ".join(f"{name} {workers_of(args.workers, name)}"
                                              for name in [*topology.ports, "gateway"])
        + f"; tiến trình gửi thư: {len(workers)}",
        f"  Nhật ký JSON:        {topology.var / 'logs'}",
        "  Chỉ số Prometheus:   http://127.0.0.1:<cổng dịch vụ>/metrics (không qua gateway)",
        "  Sẵn sàng (production topology).",
    ]), flush=True)


if __name__ == "__main__":
    main()
