"""Run the whole EduDX system on the embedded default: SQLite files under var/, every service that exists,
the gateway on port 8000, demo data seeded. Ctrl-C stops everything.

Started by `make run`; everything it needs is installed by scripts/bootstrap.sh first.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from edudx_common.server import command as server_command

REPO = Path(__file__).resolve().parent.parent
# Start order matters: identity first (everyone verifies tokens against it), the gateway last.
SERVICE_ORDER = ["identity", "submissions", "evidence", "scoring", "notifications"]
FIRST_SERVICE_PORT = 8001
# Who receives whose events (only services present are wired).
EVENT_CONSUMERS = {"submissions": ["notifications", "scoring"], "evidence": ["notifications", "scoring"],
                   "scoring": ["notifications", "submissions"], "identity": ["notifications", "submissions", "scoring"]}


# Demo data is seeded step by step once every service is up (identity seeds before), each step by the service that
# owns the data, through that service's own rules: the campaign needs the rubric's id; the signed demo report is
# written (submissions), self-scored (scoring), then submitted, which asks scoring whether every criterion is
# scored, and signed (submissions).
DEMO_STEPS = [("scoring", "rubrics"), ("submissions", "campaign"), ("scoring", "self-scores"),
              ("submissions", "signed-report")]
SIGNED_DEMO_UNIT_CODE = "86704001"  # not a school of the demo accounts: theirs stay drafts to write
SIGNED_DEMO_PRINCIPAL = "Lê Minh Tâm"


def demo_step(name: str, demo: dict[str, Any], step: str = "") -> list[str] | None:
    """The command that seeds one step of a service's demo data (its first when `step` is empty); what it prints
    (JSON) is merged into `demo`. None when the step has nothing to do."""
    if name == "scoring" and step in ("", "rubrics"):
        return ["-m", "scoring.cli", "seed-demo"]
    if name == "submissions" and step in ("", "campaign"):
        rubric = demo.get("rubrics", {}).get("seed-004-cntt")
        signed = ["--signed-unit-id", demo["units"][SIGNED_DEMO_UNIT_CODE], "--signed-principal",
                  SIGNED_DEMO_PRINCIPAL] if "demo_ca_dir" in demo and rubric else []
        return ["-m", "submissions.cli", "seed-demo", "--issuer-unit-id", demo["units"]["SGD-VL"],
                *(["--rubric-id", rubric] if rubric else []), *signed]
    if demo.get("signed_draft_id") is None:
        return None
    if name == "scoring" and step == "self-scores":
        return ["-m", "scoring.cli", "seed-demo-self-scores", "--submission-id", demo["signed_draft_id"]]
    if name == "submissions" and step == "signed-report":
        return ["-m", "submissions.cli", "seed-demo-signed", "--submission-id", demo["signed_draft_id"],
                "--principal", SIGNED_DEMO_PRINCIPAL, "--demo-ca-dir", demo["demo_ca_dir"]]
    return None


def present_services() -> list[str]:
    """Services that exist in this checkout; later ones are simply absent until they are built."""
    return [name for name in SERVICE_ORDER if (REPO / "services" / name / "src" / name / "main.py").exists()]


def service_secrets(var: Path, names: list[str]) -> dict[str, str]:
    """Client secrets for service-to-service calls, made once and kept in var/ so restarts keep them."""
    path = var / "service-secrets.json"
    known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    for name in names:
        known.setdefault(name, secrets.token_urlsafe(24))
    path.write_text(json.dumps(known, indent=2))
    path.chmod(0o600)
    return known


def s3_credentials(var: Path) -> dict[str, str]:
    """The local S3 server's keys, made once and kept in var/ with the objects they protect."""
    path = var / "s3-credentials.json"
    if not path.exists():
        path.write_text(json.dumps({"access_key": "edudx" + secrets.token_hex(4),
                                    "secret_key": secrets.token_urlsafe(24)}))
        path.chmod(0o600)
    keys: dict[str, str] = json.loads(path.read_text())
    return keys


def service_env(name: str, var: Path, identity_url: str, secrets_by_service: dict[str, str],
                postgres_url: str | None, schema_prefix: str, service_urls: dict[str, str],
                public_url: str = "http://127.0.0.1:8000") -> dict[str, str]:
    prefix = name.upper() + "_"
    env = {
        f"{prefix}ENVIRONMENT": "development",
        f"{prefix}DATABASE_URL": postgres_url or f"sqlite+aiosqlite:///{var / (name + '.db')}",
        f"{prefix}JWKS_URL": f"{identity_url}/api/identity/.well-known/jwks.json",
        f"{prefix}IDENTITY_URL": identity_url,
        f"{prefix}SERVICE_CLIENT_ID": name,
        f"{prefix}SERVICE_CLIENT_SECRET": secrets_by_service[name],
        f"{prefix}LOG_JSON": "false",
    }
    if postgres_url:
        env[f"{prefix}DATABASE_SCHEMA"] = schema_prefix + name
    receivers = {c: service_urls[c] for c in EVENT_CONSUMERS.get(name, []) if c in service_urls}
    env[f"{prefix}EVENT_RECEIVERS"] = json.dumps(receivers)
    if name in ("evidence", "scoring", "notifications") and "submissions" in service_urls:
        env[f"{prefix}SUBMISSIONS_URL"] = service_urls["submissions"]
    if name == "submissions" and "scoring" in service_urls:
        env["SUBMISSIONS_SCORING_URL"] = service_urls["scoring"]
    if name == "submissions":
        # Approvals wait for every evidence item to be reviewed: asked of evidence (none in a partial run).
        env["SUBMISSIONS_EVIDENCE_URL"] = service_urls.get("evidence", "")
    if name == "scoring" and "evidence" in service_urls:
        env["SCORING_EVIDENCE_URL"] = service_urls["evidence"]
    if name == "notifications":
        # Without NOTIFICATIONS_SMTP_HOST from the caller, e-mails are written to this run's log (the in-app feed
        # works as usual); the banner says which.
        env["NOTIFICATIONS_APP_BASE_URL"] = public_url
    if name == "submissions":
        # The embedded default trusts only its DEMO CA, for demo accounts.
        env["SUBMISSIONS_SIGNATURE_TRUST_FILES"] = json.dumps([str(demo_ca(var))])
    if name == "identity":
        env["IDENTITY_JWT_PRIVATE_KEY_FILE"] = str(var / "keys" / "identity-signing.pem")
        env["IDENTITY_SERVICE_CLIENTS"] = json.dumps(secrets_by_service)
        env["IDENTITY_PUBLIC_URL"] = public_url
        env.update({k: v for k, v in os.environ.items() if k in GENERAL_RATE_LIMIT_SETTINGS and k.startswith(prefix)})
    return env


def run_step(args: list[str], env: dict[str, str], what: str) -> str:
    result = subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        sys.stderr.write(f"✗ {what} thất bại:\n{result.stdout}\n{result.stderr}\n")
        raise SystemExit(1)
    return result.stdout


def wait_healthy(url: str, process: subprocess.Popen[bytes], name: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"✗ {name} dừng khi khởi động (mã {process.returncode}); xem log phía trên.")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 — loopback URL we built
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise SystemExit(f"✗ {name} không sẵn sàng sau {timeout:.0f} giây")


SETTING_PREFIXES = tuple(f"{n.upper()}_" for n in [*SERVICE_ORDER, "gateway"])
# Settings this run gives only when the person running it gave none (`IDENTITY_LOG_JSON=true make run` wins).
# Every other setting the run writes is its wiring — where each database, key, service and the S3 server is — and
# stays the run's own: an `IDENTITY_DATABASE_URL` left exported from a production shell must not point the demo
# seed at that database.
RUN_DEFAULTS = frozenset({"ENVIRONMENT", "LOG_JSON", "APP_BASE_URL", "PUBLIC_URL"})


def outside_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without any service setting (`IDENTITY_…`, `NOTIFICATIONS_…`, `GATEWAY_…`)."""
    environ = dict(os.environ if environ is None else environ)
    return {k: v for k, v in environ.items() if not k.startswith(SETTING_PREFIXES)}


def caller_settings(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The service settings the person running this gave (e.g. `NOTIFICATIONS_SMTP_HOST`): they reach the services,
    over the run's defaults (see `with_caller_settings`)."""
    environ = dict(os.environ if environ is None else environ)
    return {k: v for k, v in environ.items() if k.startswith(SETTING_PREFIXES)}


def with_caller_settings(name: str, env: dict[str, str], caller: dict[str, str]) -> dict[str, str]:
    """`env` (a service's or the gateway's) with the caller's settings of that service laid over the run's defaults;
    the run's wiring is kept. Settings of other services stay out."""
    prefix = name.upper() + "_"
    merged = dict(env)
    for key, value in caller.items():
        if not key.startswith(prefix):
            continue
        if key in env and key.removeprefix(prefix) not in RUN_DEFAULTS and env[key] != value:
            print(f"• bỏ qua {key} của người chạy: bản nhúng tự đặt giá trị này ({env[key]})", flush=True)
            continue
        merged[key] = value
    return merged


def demo_ca(var: Path) -> Path:
    """The DEMO CA's certificate (made once, kept in var/keys). Made where the setting that names it is written, so
    every launcher of these settings (this run, the production-like run, the fault tests) finds the file."""
    from submissions.signatures.pki import DEMO_CA_NAME, ensure_certificate_authority

    return ensure_certificate_authority(var / "keys", "demo-ca", DEMO_CA_NAME)


def service_envs(var: Path, ports: dict[str, int], base_env: dict[str, str], postgres_url: str | None,
                 schema_prefix: str, public_url: str,
                 caller: dict[str, str] | None = None) -> dict[str, dict[str, str]]:
    """Each service's whole environment, services listening on `ports`; `caller`: the person's own settings."""
    service_urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    secrets_by_service = service_secrets(var, list(ports))
    return {name: with_caller_settings(name, {**base_env, **service_env(
        name, var, service_urls["identity"], secrets_by_service, postgres_url, schema_prefix, service_urls,
        public_url)}, caller or {}) for name in ports}


def migrate_all(python: str, names: list[str], envs: dict[str, dict[str, str]]) -> None:
    """Every service's migrations, all at once: each service migrates only its own database or schema."""
    running = {name: subprocess.Popen(  # noqa: S603
        [python, "-m", "alembic", "-c", f"services/{name}/alembic.ini", "upgrade", "head"], env=envs[name],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for name in names}
    failed = []
    for name, process in running.items():
        output, _ = process.communicate()
        if process.returncode != 0:
            failed.append(f"✗ migration {name} thất bại:\n{output}")
    if failed:
        sys.stderr.write("\n".join(failed) + "\n")
        raise SystemExit(1)


def migrate_and_seed_identity(python: str, names: list[str], envs: dict[str, dict[str, str]], *,
                              seed: bool) -> dict[str, Any] | None:
    """Every service's migrations, the signing key, and (with `seed`) identity's demo province and accounts. When
    the services of the demo's cycles run, Phòng Long Hồ stays active: its 2024-2025 campaign and its archive are
    seeded through the gateway (scripts/demo_last_year.py)."""
    print(f"• áp dụng migration: {', '.join(names)} …", flush=True)
    migrate_all(python, names, envs)
    run_step([python, "-m", "identity.cli", "ensure-key"], envs["identity"], "tạo khoá ký")
    if not seed:
        return None
    later = ["--office-archived-later"] if set(ASSESSMENT_DEMO_SERVICES) <= set(names) else []
    demo: dict[str, Any] = json.loads(run_step([python, "-m", "identity.cli", "seed-demo", *later], envs["identity"],
                                               "dữ liệu mẫu"))
    return demo


def seed_services(python: str, names: list[str], envs: dict[str, dict[str, str]], demo: dict[str, Any],
                  steps: Sequence[tuple[str, str]] = DEMO_STEPS) -> None:
    """The other services' demo data (`steps` of DEMO_STEPS), once they are up; what each step prints is merged
    into `demo`."""
    for name, step_name in [(n, s) for n, s in steps if n in names]:
        if (step := demo_step(name, demo, step_name)) is None:
            continue
        seeded = run_step([python, *step], envs[name], f"dữ liệu mẫu {name}").strip()
        details = json.loads(seeded) if seeded.startswith("{") else {}
        if "title" in details:
            demo.setdefault("notes", []).append(f"Đợt báo cáo mẫu: {details['title']}")
        if details.get("signed_submission_id"):
            demo.setdefault("notes", []).append("Báo cáo mẫu đã ký số: Trường TH&THCS Lộc Hòa (chữ ký của DEMO CA, "
                                                "chỉ để dùng thử, không có giá trị pháp lý)")
        demo.update({k: v for k, v in details.items() if k in ("rubrics", "signed_draft_id")})


# The finished QĐ 4725 cycle is seeded by the demo's people through the gateway (scripts/demo_assessment.py): it
# crosses every service (evidence, self-scores, submission, the approve guards, publication), each applying its
# own rules as for a person.
ASSESSMENT_DEMO_SERVICES = ("identity", "submissions", "evidence", "scoring")


def seed_last_year(python: str, port: int, identity_port: int, base_env: dict[str, str],
                   demo: dict[str, Any]) -> None:
    """Phòng Long Hồ's 2024-2025 cycle, then its archive (1/7/2025), before the Sở's campaigns of 2025-2026."""
    seeded = json.loads(run_step([python, "scripts/demo_last_year.py", "--gateway", f"http://127.0.0.1:{port}",
                                  "--identity", f"http://127.0.0.1:{identity_port}"],
                                 base_env, "đợt tự đánh giá 2024-2025 của Phòng GDĐT Long Hồ"))
    demo.setdefault("notes", []).append(
        f"Đợt của Phòng GDĐT Long Hồ trước khi giải thể (đã công bố kết quả, đã đóng): {seeded['title']} — "
        "Trường Mầm non Hoa Sen, Trường Tiểu học Hòa Phú, Trường Tiểu học Phú Đức")


def seed_assessment(python: str, port: int, identity_port: int, base_env: dict[str, str],
                    demo: dict[str, Any]) -> None:
    seeded = json.loads(run_step([python, "scripts/demo_assessment.py", "--gateway", f"http://127.0.0.1:{port}",
                                  "--identity", f"http://127.0.0.1:{identity_port}"],
                                 base_env, "đợt tự đánh giá QĐ 4725 mẫu"))
    demo.setdefault("notes", []).append(f"Đợt tự đánh giá mẫu (đã công bố kết quả): {seeded['title']} — "
                                        "Trường Mầm non Hoa Sen, Trường Tiểu học Cái Nhum, Trường THCS Mang Thít")
    demo["notes"].append(f"Chỉ số của Sở (Bộ GDĐT giao, cds.bo@moet.gov.vn): {seeded['index_title']} — tiêu chí "
                         "B.1, B.2 tính từ kết quả đã công bố của các trường (bản nháp của Sở)")


def start_service(python: str, name: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603
        server_command(f"{name}.main:create_app", port=port, python=python,
                       options=["--no-access-log", "--no-proxy-headers"]), env=env, cwd=REPO)


def gateway_env(base_env: dict[str, str], ports: dict[str, int],
                object_store_origins: Sequence[str] = ()) -> dict[str, str]:
    """The gateway's settings. `object_store_origins`: where browsers PUT uploads and load previews (the S3
    server), allowed by the gateway's CSP."""
    return {
        **base_env,
        "GATEWAY_SERVICES": json.dumps({name: f"http://127.0.0.1:{port}" for name, port in ports.items()}),
        "GATEWAY_JWKS_URL": f"http://127.0.0.1:{ports['identity']}/api/identity/.well-known/jwks.json",
        "GATEWAY_SPA_DIR": str(REPO / "frontend" / "dist"),
        "GATEWAY_LOG_JSON": "false",
        "GATEWAY_OBJECT_STORE_ORIGINS": json.dumps(list(object_store_origins)),
        # the general limits suit people; a test that drives every operation from one address raises them
        **{k: v for k, v in os.environ.items() if k in GENERAL_RATE_LIMIT_SETTINGS},
    }


GENERAL_RATE_LIMIT_SETTINGS = ("GATEWAY_REQUESTS_PER_MINUTE_PER_IP", "GATEWAY_REQUESTS_PER_MINUTE_PER_USER",
                               "IDENTITY_AUTH_REQUESTS_PER_MINUTE_PER_ADDRESS")


def start_gateway(python: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603
        # the gateway decides itself whether X-Forwarded-For is believed (GATEWAY_TRUST_FORWARDED_FOR)
        server_command("gateway.main:create_app", port=port, python=python,
                       options=["--no-access-log", "--no-proxy-headers"]), env=env, cwd=REPO)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("EDUDX_PORT", "8000")))
    parser.add_argument("--first-service-port", type=int,
                        default=int(os.environ.get("EDUDX_FIRST_SERVICE_PORT", str(FIRST_SERVICE_PORT))),
                        help="services listen on consecutive ports from here (identity first)")
    parser.add_argument("--var", default=os.environ.get("EDUDX_VAR_DIR", str(REPO / "var")))
    parser.add_argument("--no-seed", action="store_true", help="do not create the demo province and accounts")
    parser.add_argument("--postgres-url", default=os.environ.get("EDUDX_POSTGRES_URL"),
                        help="run on PostgreSQL instead of SQLite, e.g. postgresql+asyncpg://postgres@127.0.0.1/test;"
                             " each service gets its own schema")
    parser.add_argument("--schema-prefix", default="", help="prefix of the per-service PostgreSQL schemas")
    args = parser.parse_args()

    var = Path(args.var).resolve()
    (var / "keys").mkdir(parents=True, exist_ok=True)
    names = present_services()
    ports = {name: args.first_service_port + i for i, name in enumerate(names)}
    python = sys.executable
    base_env = outside_env()
    caller = caller_settings()
    envs = service_envs(var, ports, base_env, args.postgres_url, args.schema_prefix, f"http://127.0.0.1:{args.port}",
                        caller)
    demo = migrate_and_seed_identity(python, names, envs, seed=not args.no_seed)
    if "submissions" in names and demo:
        demo["demo_ca_dir"] = str(demo_ca(var).parent)

    processes: list[tuple[str, subprocess.Popen[bytes]]] = []

    object_store_origins: list[str] = []  # browsers PUT uploads and load previews there: the gateway's CSP allows it

    def start() -> None:
        if "evidence" in names:
            # The same S3 code path as production, against a real S3 server on loopback (SeaweedFS `weed mini`).
            from local_s3 import start_local_s3

            keys = s3_credentials(var)
            s3_process, endpoint, access_key, secret_key = start_local_s3(
                var / "s3", access_key=keys["access_key"], secret_key=keys["secret_key"])
            processes.append(("s3", s3_process))
            envs["evidence"].update(EVIDENCE_S3_ENDPOINT=endpoint, EVIDENCE_S3_ACCESS_KEY=access_key,
                                    EVIDENCE_S3_SECRET_KEY=secret_key)
            object_store_origins.append(f"http://{endpoint}")
        for name in names:
            process = start_service(python, name, ports[name], envs[name])
            processes.append((name, process))
            wait_healthy(f"http://127.0.0.1:{ports[name]}/healthz", process, name)
        cycles = bool(demo) and set(ASSESSMENT_DEMO_SERVICES) <= set(names)
        if demo:  # the rubrics first: last year's cycle uses the QĐ 4725 template
            seed_services(python, names, envs, demo, DEMO_STEPS[:1])
        gateway = start_gateway(python, args.port, with_caller_settings(
            "gateway", gateway_env(base_env, ports, object_store_origins), caller))
        processes.append(("gateway", gateway))
        wait_healthy(f"http://127.0.0.1:{args.port}/healthz", gateway, "gateway")
        if demo and cycles:  # the Phòng's last year and its archive, before the Sở targets its schools
            seed_last_year(python, args.port, ports["identity"], base_env, demo)
        if demo:
            seed_services(python, names, envs, demo, DEMO_STEPS[1:])
        if demo and cycles:
            seed_assessment(python, args.port, ports["identity"], base_env, demo)
        where = f"bản nhúng: PostgreSQL, schema {args.schema_prefix}<dịch vụ>" if args.postgres_url else \
            f"bản nhúng: SQLite trong {var.relative_to(REPO) if var.is_relative_to(REPO) else var}/"
        print_banner(args.port, ports, demo, mail_destinations(envs), where)

    run_until_stopped(start, processes)


def run_until_stopped(start: Callable[[], None], processes: list[tuple[str, subprocess.Popen[bytes]]], *,
                      stop_timeout: float = 10) -> None:
    """`start()` the system (it adds what it starts to `processes`), then wait for Ctrl-C, SIGTERM or a process
    that dies; stop every process in all three cases, and also when start-up fails half-way."""
    # Installed explicitly: a shell that starts us in the background hands us SIGINT ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops the system as cleanly as Ctrl-C
    interrupted = False
    try:
        start()
        dead = wait_for_first_exit(processes)
        print(f"✗ tiến trình đã dừng: {', '.join(dead)} — dừng toàn bộ hệ thống.", flush=True)
        raise SystemExit(1)
    except KeyboardInterrupt:
        interrupted = True
        print("\nĐang dừng các dịch vụ …", flush=True)
    finally:
        stop_processes(processes, timeout=stop_timeout)
    if interrupted:
        print("Đã dừng.", flush=True)


def wait_for_first_exit(processes: list[tuple[str, subprocess.Popen[bytes]]]) -> list[str]:
    """Block while every process runs; then the names of those that stopped."""
    while all(process.poll() is None for _name, process in processes):
        time.sleep(0.5)
    return [name for name, process in processes if process.poll() is not None]


def stop_processes(processes: list[tuple[str, subprocess.Popen[bytes]]], timeout: float = 10) -> None:
    """SIGTERM every process still running, the last started first; kill those not gone within `timeout`."""
    for _name, process in reversed(processes):
        if process.poll() is None:
            process.terminate()
    for _name, process in reversed(processes):
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def mail_destinations(envs: dict[str, dict[str, str]]) -> list[str]:
    """Where each service that sends e-mail sends it: the SMTP server the caller set, or this run's log."""
    lines = []
    for name, what in (("notifications", "nhắc hạn, thông báo"), ("identity", "mời tài khoản, đặt lại mật khẩu")):
        if name not in envs:
            continue
        prefix = name.upper() + "_"
        env = envs[name]
        if host := env.get(f"{prefix}SMTP_HOST"):
            where = f"máy chủ SMTP {host}:{env.get(f'{prefix}SMTP_PORT', '587')} ({prefix}SMTP_HOST)"
        else:
            where = f"ghi vào log của lần chạy này (chưa đặt {prefix}SMTP_HOST)"
        lines.append(f"    {name} ({what}): {where}")
    return lines


def print_banner(port: int, ports: dict[str, int], demo: dict[str, object] | None,
                 mail: Sequence[str] = (), kind: str = "bản nhúng: SQLite trong var/") -> None:
    lines = [
        "",
        f"EduDX đang chạy ({kind})",
        f"  Cổng vào (gateway):  http://127.0.0.1:{port}/",
        f"  Tài liệu API:        http://127.0.0.1:{port}/api/docs",
        "  Dịch vụ:             " + ", ".join(f"{n} :{p}" for n, p in ports.items()),
    ]
    if mail:
        lines += ["  E-mail:", *mail]
    if demo:
        lines.append(f"  Tài khoản mẫu (mật khẩu chung: {demo['password']}):")
        for account in demo["accounts"]:  # type: ignore[attr-defined]
            lines.append(f"    {account['role']:<18} {account['email']:<40} {account['unit']}")
        lines += [f"  {note}" for note in demo.get("notes", [])]  # type: ignore[attr-defined]
    lines.append("  Nhấn Ctrl-C để dừng.")
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
