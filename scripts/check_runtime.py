"""The runtime set is enough: what `make run`, `make install` and the images install — requirements.txt, then every
service with --no-deps — runs EduDX, checked in an environment that holds nothing else (the test suite runs on
the dev set, which would hide a dependency pinned only there).

    .venv/bin/python scripts/check_runtime.py [--venv .venv-runtime] [--rebuild]

1. Builds `.venv-runtime/` with scripts/bootstrap.sh (EDUDX_VENV, runtime kind): the same commands as `make run`.
   Reused while requirements*.txt and the services' pyproject.toml files are unchanged (bootstrap's stamp); when
   they changed it is built again from empty, so a package dropped from requirements.txt is really gone.
2. `pip check`; the environment holds exactly the pinned distributions and the services (nothing else).
3. Imports every module of every service package.
4. A smoke run through the gateway of `scripts/run_embedded.py` started from that environment, on free ports and a
   throwaway var folder: log in, upload a PDF (multipart) and a JPEG photo (the phones' direct upload: ticket,
   PUT to the object store, complete), export the report as PDF and DOCX, import an XLSX of units, read /api/docs
   (with its Swagger UI script), /api/openapi.json, and the SPA's index and scripts precompressed.

Part of `make test` (so of `.ci/run`). Prints each step; exits 1 at the first failure.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import io
import json
import os
import pkgutil
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SERVICES = sorted(p.parent for p in (REPO / "services").glob("*/pyproject.toml"))
# Installed into every venv by `python -m venv` itself, not by us.
VENV_OWN = {"pip", "setuptools"}


def fail(message: str) -> None:
    print(f"✗ {message}", flush=True)
    raise SystemExit(1)


def ok(message: str) -> None:
    print(f"✓ {message}", flush=True)


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_names() -> set[str]:
    names = set()
    for line in (REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(normalized(re.split(r"[=<>!~\[; ]", line, maxsplit=1)[0]))
    return names


def inputs_digest() -> str:
    """What decides the environment's content: the same files bootstrap's stamp covers."""
    digest = hashlib.sha256()
    for path in sorted([*REPO.glob("requirements*.txt"), *(s / "pyproject.toml" for s in SERVICES)]):
        digest.update(path.read_bytes())
    return digest.hexdigest()


# 1. The environment ---------------------------------------------------------------------------------------------


def build_venv(venv: Path, *, rebuild: bool) -> Path:
    python = venv / "bin" / "python"
    marker = venv / ".runtime-inputs"
    current = inputs_digest()
    if rebuild or not marker.is_file() or marker.read_text() != current:
        if venv.exists():
            print(f"• requirements or services changed: {venv.name} is built again from empty", flush=True)
            shutil.rmtree(venv)
        started = time.monotonic()
        result = subprocess.run(["bash", str(REPO / "scripts" / "bootstrap.sh"), "runtime"],  # noqa: S603, S607
                                cwd=REPO, env={**os.environ, "EDUDX_VENV": str(venv)}, check=False)
        if result.returncode != 0:
            fail(f"scripts/bootstrap.sh runtime into {venv} failed (exit {result.returncode})")
        marker.write_text(current)
        ok(f"runtime environment {venv.relative_to(REPO) if venv.is_relative_to(REPO) else venv} built from "
           f"requirements.txt + services --no-deps in {time.monotonic() - started:.0f} s")
    else:
        ok(f"runtime environment {venv.name} reused (requirements and services unchanged)")
    return python


def check_installed(python: Path) -> None:
    check = subprocess.run([str(python), "-m", "pip", "check"], capture_output=True, text=True, check=False)  # noqa: S603
    if check.returncode != 0:
        fail(f"pip check in the runtime environment:\n{check.stdout}{check.stderr}")
    ok(f"pip check: {check.stdout.strip()}")
    listed = subprocess.run([str(python), "-m", "pip", "list", "--format", "json"],  # noqa: S603
                            capture_output=True, text=True, check=True)
    installed = {normalized(d["name"]) for d in json.loads(listed.stdout)}
    services = {normalized(tomlname(s)) for s in SERVICES}
    extra = installed - pinned_names() - services - VENV_OWN
    missing = (pinned_names() | services) - installed
    if extra or missing:
        fail(f"the runtime environment is not exactly requirements.txt + services: extra {sorted(extra)}, "
             f"missing {sorted(missing)}")
    ok(f"installed: exactly the {len(pinned_names())} pinned distributions and {len(services)} services")


def tomlname(service: Path) -> str:
    match = re.search(r'^name\s*=\s*"([^"]+)"', (service / "pyproject.toml").read_text(), re.M)
    assert match, service
    return match.group(1)


# 2. Inside the runtime environment ------------------------------------------------------------------------------


def import_every_module() -> None:
    packages = [p for s in SERVICES for p in sorted((s / "src").iterdir()) if (p / "__init__.py").is_file()]
    count = 0
    failures = []
    for package in packages:
        names = [package.name] + [m.name for m in pkgutil.walk_packages([str(package)], prefix=package.name + ".")]
        for name in names:
            try:
                importlib.import_module(name)
                count += 1
            except Exception:  # noqa: BLE001 — every failure is reported, with its traceback
                failures.append(f"{name}:\n{traceback.format_exc(limit=3)}")
    if failures:
        fail("imports failed in the runtime environment:\n" + "\n".join(failures))
    ok(f"imported all {count} modules of {len(packages)} service packages")


def free_port_block(size: int) -> int:
    """A port with the next `size - 1` free too (the embedded run takes consecutive ports)."""
    for _ in range(200):
        base = random.randrange(20_000, 60_000)  # noqa: S311 — not a secret
        sockets = []
        try:
            for port in range(base, base + size):
                sock = socket.socket()
                sock.bind(("127.0.0.1", port))
                sockets.append(sock)
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no block of free ports")


@contextmanager
def embedded_run(var: Path, settings: dict[str, str] | None = None) -> Iterator[str]:
    """`scripts/run_embedded.py` from this interpreter (the runtime one here; benches reuse it), with only the
    service `settings` given (none of the caller's); yields the gateway's URL."""
    port = free_port_block(8)
    log = (var / "run.log").open("w")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(
        ("IDENTITY_", "SUBMISSIONS_", "EVIDENCE_", "SCORING_", "NOTIFICATIONS_", "GATEWAY_"))}
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, str(REPO / "scripts" / "run_embedded.py"), "--var", str(var), "--port", str(port),
         "--first-service-port", str(port + 1)], cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
        env={**environment, **(settings or {}), "PYTHONUNBUFFERED": "1"})
    gateway = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None:
                fail(f"the embedded run stopped while starting (exit {process.returncode}):\n{tail(var / 'run.log')}")
            try:
                if httpx.get(f"{gateway}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                fail(f"the embedded run did not answer within 300 s:\n{tail(var / 'run.log')}")
            time.sleep(0.5)
        # The gateway answers before the demo is in place: the run seeds last year's campaign, the archive and
        # this year's campaigns through it, then prints its banner. A person starts when the banner says so.
        deadline = time.monotonic() + 300
        while "EduDX đang chạy" not in (var / "run.log").read_text(errors="replace"):
            if process.poll() is not None:
                fail(f"the embedded run stopped while seeding (exit {process.returncode}):\n{tail(var / 'run.log')}")
            if time.monotonic() > deadline:
                fail(f"the embedded run printed no banner within 300 s:\n{tail(var / 'run.log')}")
            time.sleep(0.5)
        ok(f"embedded run started from the runtime environment, demo seeded ({gateway})")
        yield gateway
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def sample_pdf() -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string="<h1>Kế hoạch ứng dụng CNTT năm học 2026-2027</h1><p>Minh chứng kiểm tra.</p>")
                 .write_pdf())


def sample_photo() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), "white")
    ImageDraw.Draw(image).rectangle((40, 40, 600, 440), outline="navy", width=8)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def units_workbook() -> bytes:
    import xlsxwriter

    rows = [["STT", "Mã trường", "Tên trường", "Loại đơn vị", "Cấp học", "Đơn vị quản lý", "Địa chỉ",
             "E-mail đầu mối", "Điện thoại"]]
    rows += [[str(i), f"RT{i:04d}", f"Trường Tiểu học Kiểm Tra {i}", "Trường", "Tiểu học", "", "", "", ""]
             for i in range(1, 4)]
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Danh sách")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    workbook.close()
    return buffer.getvalue()


def smoke(gateway: str) -> None:
    import httpx

    def expect(response: httpx.Response, statuses: tuple[int, ...], what: str) -> Any:
        if response.status_code not in statuses:
            fail(f"{what}: {response.request.method} {response.request.url.path} → {response.status_code} "
                 f"{response.text[:600]}")
        ok(f"{what}: {response.status_code}")
        return response

    with httpx.Client(base_url=gateway, timeout=60) as http:
        def login(email: str) -> dict[str, str]:
            answer = expect(http.post("/api/identity/auth/login", json={"email": email, "password": "EduDX@2025"}),
                            (200,), f"log in as {email}")
            return {"Authorization": f"Bearer {answer.json()['access_token']}"}

        officer = login("cntt.hoabinh@vinhlong.edu.vn")
        campaign = expect(http.get("/api/submissions/campaigns", headers=officer), (200,),
                          "the school's campaigns").json()["items"][0]
        draft = expect(http.post(f"/api/submissions/campaigns/{campaign['id']}/submissions", headers=officer),
                       (200, 201), "open the school's report").json()
        expect(http.post("/api/evidence/files", headers=officer,
                         data={"submission_id": draft["id"], "criterion_codes": "2.1", "title": "Kế hoạch CNTT"},
                         files={"file": ("ke-hoach.pdf", sample_pdf(), "application/pdf")}),
               (201,), "upload a PDF as evidence (multipart through the gateway)")
        photo = sample_photo()
        ticket = expect(http.post("/api/evidence/uploads", headers=officer, json={
            "submission_id": draft["id"], "file_name": "anh-phong-may.jpg", "size": len(photo),
            "content_type": "image/jpeg", "criterion_codes": ["2.2"], "title": "Ảnh phòng máy"}),
            (201,), "start a direct upload of a JPEG photo").json()
        expect(httpx.put(ticket["url"], content=photo, headers=ticket["headers"], timeout=60), (200,),
               "PUT the photo to the object store (presigned URL)")
        completed = expect(http.post(f"/api/evidence/uploads/{ticket['upload_id']}/complete", headers=officer),
                           (201,), "complete the direct upload").json()
        if completed.get("media_type", "image/jpeg") != "image/jpeg":
            fail(f"the photo was not recognised as JPEG: {completed}")
        for kind, magic in (("pdf", b"%PDF"), ("docx", b"PK")):
            exported = expect(http.get(f"/api/submissions/submissions/{draft['id']}/export", params={"format": kind},
                                       headers=officer), (200,), f"export the report as {kind.upper()}")
            if not exported.content.startswith(magic):
                fail(f"the {kind} export is not a {kind.upper()} file")
        admin = login("cntt.so@vinhlong.edu.vn")
        # Since 7/2025 the Sở manages its schools directly: they are imported under it.
        so = expect(http.get("/api/identity/me", headers=admin), (200,), "the Sở's admin").json()
        imported = expect(http.post("/api/identity/units/import", params={"parent_id": so["unit_id"]}, headers=admin,
                                    files={"file": ("truong.xlsx", units_workbook(), "application/vnd."
                                                    "openxmlformats-officedocument.spreadsheetml.sheet")}),
                          (200, 201), "import an XLSX of units").json()
        print(f"  {json.dumps(imported, ensure_ascii=False)[:200]}", flush=True)
        docs = expect(http.get("/api/docs"), (200,), "/api/docs")
        script = re.search(r'<script src="(/assets/swagger-ui-bundle-[^"]+\.js)"', docs.text)
        policy = dict(d.strip().partition(" ")[::2] for d in docs.headers["content-security-policy"].split(";"))
        if not script or "'unsafe-inline'" in policy.get("script-src", "'unsafe-inline'"):
            fail("/api/docs does not load Swagger UI from the gateway under a CSP without 'unsafe-inline'")
        expect(http.get(script.group(1)), (200,), "Swagger UI's script from the gateway")
        spec = expect(http.get("/api/openapi.json"), (200,), "/api/openapi.json").json()
        if "/api/identity/auth/login" not in spec["paths"]:
            fail("the merged OpenAPI document lacks the login operation")
        index = http.get("/", headers={"Accept-Encoding": "br, gzip"})
        expect(index, (200,), "the SPA's index.html")
        if index.headers.get("content-encoding") != "br":
            fail(f"index.html came without Brotli: {dict(index.headers)}")


def inside(var: Path) -> None:
    import_every_module()
    with embedded_run(var) as gateway:
        smoke(gateway)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venv", default=str(REPO / ".venv-runtime"))
    parser.add_argument("--rebuild", action="store_true", help="build the environment from empty even if unchanged")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        var = Path(tempfile.mkdtemp(prefix="edudx-runtime-check-"))
        try:
            inside(var)
        finally:
            shutil.rmtree(var, ignore_errors=True)
        return
    started = time.monotonic()
    venv = Path(args.venv).resolve()
    python = build_venv(venv, rebuild=args.rebuild)
    check_installed(python)
    result = subprocess.run([str(python), str(Path(__file__).resolve()), "--inside"], cwd=REPO, check=False)  # noqa: S603
    if result.returncode != 0:
        raise SystemExit(result.returncode)
    ok(f"the runtime set runs EduDX ({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
