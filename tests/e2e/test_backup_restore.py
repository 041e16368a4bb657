"""scripts/backup.py on the real parts: a system on PostgreSQL and a real S3 server gets a report with evidence
through its API; its database and bucket are backed up, restored into an EMPTY database and an EMPTY bucket, and
a new system started on the restored copies serves the same report and the same evidence bytes.

Compared: the rows of every table of every service's schema (counted by SQL here, not by the script), the
sha256 of every object in the bucket, and through the API the report and the bytes of each uploaded file."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import pytest
from minio import Minio
from sqlalchemy.engine import make_url

from scripts.local_s3 import start_local_s3, stop_local_s3
from tests.e2e.conftest import RunningSystem, embedded_system
from tests.evidence.samples import pdf_bytes
from tests.submissions.builders import FULL_ANSWERS
from tests.support import POSTGRES_URL, REPO, on_postgres

SCHEMAS = ["identity", "submissions", "evidence", "scoring", "notifications"]
BUCKET = "edudx-evidence"  # the embedded run's default (EVIDENCE_S3_BUCKET)
OFFICER = "cntt.hoabinh@vinhlong.edu.vn"
# Two systems start one after the other (migrations, seeding, six processes): generous on a loaded machine.
START_TIMEOUT = 240
# One query counts every table: a method of its own, not the script's.
COUNT_ROWS = """
SELECT table_schema || '.' || table_name AS name,
       (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name),
                                            false, true, '')))[1]::text::bigint AS rows
FROM information_schema.tables WHERE table_schema = ANY($1::text[]) AND table_type = 'BASE TABLE'
"""


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def scratch_database(purpose: str) -> Iterator[str]:
    """A new empty database on the test server (SQLAlchemy URL), dropped afterwards."""
    name = f"edudx_{purpose}_{secrets.token_hex(4)}"
    admin = libpq(POSTGRES_URL)

    async def execute(sql: str) -> None:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def row_counts(url: str) -> dict[str, int]:
    async def count() -> dict[str, int]:
        connection = await asyncpg.connect(libpq(url))
        try:
            return {row["name"]: row["rows"] for row in await connection.fetch(COUNT_ROWS, SCHEMAS)}
        finally:
            await connection.close()

    return asyncio.run(count())


@contextmanager
def object_store(var: Path) -> Iterator[dict[str, str]]:
    """The S3 server of the embedded run that used `var`, on its data and keys, while that run is stopped."""
    keys = json.loads((var / "s3-credentials.json").read_text())
    process, endpoint, access_key, secret_key = start_local_s3(var / "s3", access_key=keys["access_key"],
                                                               secret_key=keys["secret_key"])
    try:
        yield {"EVIDENCE_S3_ENDPOINT": endpoint, "EVIDENCE_S3_ACCESS_KEY": access_key,
               "EVIDENCE_S3_SECRET_KEY": secret_key}
    finally:
        stop_local_s3(process)


def object_digests(store: dict[str, str]) -> dict[str, str]:
    client = Minio(store["EVIDENCE_S3_ENDPOINT"], access_key=store["EVIDENCE_S3_ACCESS_KEY"],
                   secret_key=store["EVIDENCE_S3_SECRET_KEY"], secure=False, region="us-east-1")
    if not client.bucket_exists(BUCKET):
        return {}
    digests = {}
    for listed in client.list_objects(BUCKET, recursive=True):
        response = client.get_object(BUCKET, listed.object_name or "")
        try:
            digests[listed.object_name or ""] = hashlib.sha256(response.read()).hexdigest()
        finally:
            response.close()
            response.release_conn()
    return digests


def run_script(*args: str, database_url: str, store: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **store, "EDUDX_BACKUP_DATABASE_URL": database_url}
    return subprocess.run([sys.executable, str(REPO / "scripts" / "backup.py"), *args], env=env,
                          capture_output=True, text=True, check=False, timeout=300)


def report_with_evidence(system: RunningSystem) -> tuple[str, dict[str, str]]:
    """A drafted report with two PDFs and a link; (submission id, file id → sha256 of the bytes uploaded)."""
    officer = system.login(OFFICER)
    uploaded = {}
    with system.client() as http:
        campaign = http.get("/api/submissions/campaigns", headers=officer).json()["items"][0]
        draft = http.post(f"/api/submissions/campaigns/{campaign['id']}/submissions", headers=officer).json()
        saved = http.patch(f"/api/submissions/submissions/{draft['id']}", json={"values": FULL_ANSWERS},
                           headers={**officer, "If-Match": f'"{draft["version"]}"'})
        assert saved.status_code == 200, saved.text
        for title in ("Kế hoạch ứng dụng CNTT năm học 2024-2025", "Biên bản kiểm tra hồ sơ điện tử"):
            content = pdf_bytes(title)
            response = http.post("/api/evidence/files", headers=officer,
                                 data={"submission_id": draft["id"], "title": title},
                                 files={"file": (f"{title}.pdf", content, "application/pdf")})
            assert response.status_code == 201, response.text
            uploaded[response.json()["id"]] = hashlib.sha256(content).hexdigest()
        link = http.post("/api/evidence/links", headers=officer,
                         json={"submission_id": draft["id"], "url": "https://c1hoabinh.vinhlong.edu.vn/cds",
                               "title": "Trang chuyển đổi số của trường"})
        assert link.status_code == 201, link.text
    return draft["id"], uploaded


def seen_through_the_api(system: RunningSystem, submission_id: str) -> tuple[dict[str, object], dict[str, str]]:
    """(the report's status and answers, file id → sha256 of the bytes the evidence service streams)."""
    officer = system.login(OFFICER)
    with system.client() as http:
        submission = http.get(f"/api/submissions/submissions/{submission_id}", headers=officer)
        assert submission.status_code == 200, submission.text
        catalogue = http.get(f"/api/evidence/submissions/{submission_id}/files", headers=officer)
        assert catalogue.status_code == 200, catalogue.text
        digests = {}
        for item in catalogue.json()["items"]:
            if item["kind"] == "link":
                continue
            content = http.get(f"/api/evidence/files/{item['id']}/content", headers=officer)
            assert content.status_code == 200, content.text
            digests[item["id"]] = hashlib.sha256(content.content).hexdigest()
    body = submission.json()
    report = {"status": body["status"], "content": body["content"], "version": body["version"],
              "evidence_items": len(catalogue.json()["items"])}
    return report, digests


@pytest.mark.postgres
@pytest.mark.skipif(not on_postgres(), reason="pg_dump/pg_restore need PostgreSQL (EDUDX_TEST_DATABASE)")
def test_data_and_evidence_survive_a_restore_into_an_empty_database_and_bucket(tmp_path: Path) -> None:
    source_var, target_var = tmp_path / "source", tmp_path / "restored"
    source_var.mkdir()
    target_var.mkdir()
    with scratch_database("source") as source_url, scratch_database("restore") as target_url:
        with embedded_system(source_var, schema_prefix="", postgres_url=source_url,
                             start_timeout=START_TIMEOUT) as system:
            submission_id, uploaded = report_with_evidence(system)
            report_before, _ = seen_through_the_api(system, submission_id)
        # The system is stopped: its database and bucket hold still while they are backed up and counted.
        with object_store(source_var) as store:
            objects_before = object_digests(store)
            backup = run_script("backup", "--out", str(tmp_path / "backups"), database_url=source_url, store=store)
        assert backup.returncode == 0, backup.stderr
        folder = Path(backup.stdout.strip())
        rows_before = row_counts(source_url)

        # An empty target: a new database with no schema, a new S3 server with no bucket.
        (target_var / "s3-credentials.json").write_text(json.dumps(
            {"access_key": "edudx" + secrets.token_hex(4), "secret_key": secrets.token_urlsafe(24)}))
        assert row_counts(target_url) == {}
        with object_store(target_var) as store:
            assert object_digests(store) == {}
            restore = run_script("restore", str(folder), database_url=target_url, store=store)
            assert restore.returncode == 0, restore.stderr
            objects_after = object_digests(store)
            # A second restore onto what is no longer empty is refused, and changes nothing.
            again = run_script("restore", str(folder), database_url=target_url, store=store)
            assert again.returncode == 1 and "not empty" in again.stderr
            assert object_digests(store) == objects_after
        rows_after = row_counts(target_url)

        with embedded_system(target_var, schema_prefix="", postgres_url=target_url, restored=True,
                             start_timeout=START_TIMEOUT) as restored:
            report_after, served = seen_through_the_api(restored, submission_id)

    assert {name.split(".")[0] for name in rows_before} == set(SCHEMAS)
    # The report's three items, and whatever the demo holds besides (its QĐ 4725 cycle's evidence links).
    assert rows_before["identity.users"] > 0 and rows_before["evidence.evidence_items"] >= 3
    assert rows_after == rows_before
    assert len(objects_before) == 2 and objects_after == objects_before
    assert sorted(objects_before.values()) == sorted(uploaded.values())
    assert report_after == report_before
    assert report_before["status"] == "draft" and report_before["content"] and report_before["evidence_items"] == 3
    assert served == uploaded


@pytest.mark.parametrize("damage", ["dump", "object", "missing object"])
def test_a_damaged_backup_is_refused_before_anything_is_written(tmp_path: Path, damage: str) -> None:
    folder = tmp_path / "edudx-20261123T220000Z"
    (folder / "objects" / "a").mkdir(parents=True)
    (folder / "postgres.dump").write_bytes(b"PGDMP dump")
    (folder / "objects" / "a" / "plan.pdf").write_bytes(b"%PDF-1.7 plan")
    manifest = {"format": 1, "created_at": "2026-11-23T22:00:00+00:00",
                "database": {"schemas": SCHEMAS, "dump": "postgres.dump", "row_counts": {},
                             "sha256": hashlib.sha256(b"PGDMP dump").hexdigest()},
                "bucket": {"name": BUCKET, "objects": [{"key": "a/plan.pdf", "size": 13, "content_type": None,
                                                        "metadata": {},
                                                        "sha256": hashlib.sha256(b"%PDF-1.7 plan").hexdigest()}]}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    if damage == "dump":
        (folder / "postgres.dump").write_bytes(b"PGDMP dumq")
    elif damage == "object":
        (folder / "objects" / "a" / "plan.pdf").write_bytes(b"%PDF-1.7 plam")
    else:
        (folder / "objects" / "a" / "plan.pdf").unlink()

    # Nothing listens at these addresses: a restore that got past the checks would fail on connecting.
    result = run_script("restore", str(folder), database_url="postgresql://nobody@127.0.0.1:9/none",
                        store={"EVIDENCE_S3_ENDPOINT": "127.0.0.1:9"})

    assert result.returncode == 1
    assert "checksum" in result.stderr and "Traceback" not in result.stderr
