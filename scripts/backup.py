"""Back up and restore EduDX's data: the services' PostgreSQL schemas and the evidence bucket.

    python scripts/backup.py backup  --out /backups            # writes /backups/edudx-<UTC time>/
    python scripts/backup.py restore /backups/edudx-20261123T2200Z

A backup folder holds `postgres.dump` (pg_dump custom format of the services' schemas), `objects/` (every object
of the evidence bucket, under its key) and `manifest.json`: the schemas, the row count of every table, and each
file's size and sha256. The row counts are taken in the very snapshot pg_dump reads (`pg_export_snapshot`), so
they describe the dump exactly. A restore first checks every checksum, then refuses a target that is not empty
(a schema that exists, a bucket with objects), restores, and compares the restored row counts and objects with
the manifest: it exits non-zero when anything differs.

Connection settings come from the options or from the services' own variables: `--database-url` or
EDUDX_BACKUP_DATABASE_URL (a libpq URL; `postgresql+asyncpg://` is accepted; a password may also come from
PGPASSWORD), EVIDENCE_S3_ENDPOINT / _ACCESS_KEY / _SECRET_KEY / _BUCKET / _SECURE for the object store.
Needs pg_dump and pg_restore of the server's major version or newer (Debian: postgresql-client).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import urllib3
from minio import Minio
from minio.error import MinioException

SERVICES = ["identity", "submissions", "evidence", "scoring", "notifications"]
MANIFEST = "manifest.json"
DUMP = "postgres.dump"
OBJECTS = "objects"
FORMAT_VERSION = 1


class BackupError(RuntimeError):
    pass


@dataclass(frozen=True)
class Store:
    endpoint: str
    access_key: str
    secret_key: str
    bucket: str
    secure: bool

    def client(self) -> Minio:
        # A fixed region: the client never asks the server for the bucket's location (as the evidence service).
        return Minio(self.endpoint, access_key=self.access_key, secret_key=self.secret_key, secure=self.secure,
                     region="us-east-1")


def libpq_url(url: str) -> str:
    """The services' SQLAlchemy URL (`postgresql+asyncpg://…`) as pg_dump and asyncpg take it."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.startswith("postgres"):
        raise BackupError(f"not a PostgreSQL URL: {scheme}://…")
    return f"postgresql://{rest}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def row_counts(connection: asyncpg.Connection, schemas: list[str]) -> dict[str, int]:
    """`schema.table` → rows, for every ordinary table of `schemas`."""
    tables = await connection.fetch(
        "SELECT table_schema, table_name FROM information_schema.tables"
        " WHERE table_schema = ANY($1::text[]) AND table_type = 'BASE TABLE' ORDER BY 1, 2", schemas)
    counts: dict[str, int] = {}
    for table in tables:
        name = f"{quoted(table['table_schema'])}.{quoted(table['table_name'])}"
        counts[f"{table['table_schema']}.{table['table_name']}"] = await connection.fetchval(
            f"SELECT count(*) FROM {name}")  # noqa: S608 — names come from the catalogue, quoted
    return counts


async def existing_schemas(connection: asyncpg.Connection, schemas: list[str]) -> list[str]:
    rows = await connection.fetch(
        "SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[]) ORDER BY 1", schemas)
    return [row["nspname"] for row in rows]


def run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()}")


async def dump_database(database_url: str, schemas: list[str], dump_path: Path) -> dict[str, int]:
    """pg_dump of `schemas` and their row counts, both from one snapshot."""
    connection = await asyncpg.connect(database_url)
    try:
        present = await existing_schemas(connection, schemas)
        if missing := sorted(set(schemas) - set(present)):
            raise BackupError(f"schemas not in the database: {', '.join(missing)}")
        async with connection.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await connection.fetchval("SELECT pg_export_snapshot()")
            counts = await row_counts(connection, schemas)
            # The snapshot stays importable while this transaction is open: pg_dump runs inside it.
            command = ["pg_dump", "--format=custom", "--no-password", f"--snapshot={snapshot}",
                       f"--file={dump_path}", *(f"--schema={schema}" for schema in schemas), database_url]
            await asyncio.to_thread(run, command)
        return counts
    finally:
        await connection.close()


def copy_objects_out(store: Store, folder: Path) -> list[dict[str, Any]]:
    client = store.client()
    if not client.bucket_exists(store.bucket):
        raise BackupError(f"bucket {store.bucket} does not exist")
    entries: list[dict[str, Any]] = []
    for listed in client.list_objects(store.bucket, recursive=True):
        key = listed.object_name
        if not key or key.endswith("/"):
            continue
        target = object_path(folder, key)
        target.parent.mkdir(parents=True, exist_ok=True)
        stat = client.fget_object(store.bucket, key, str(target))
        user_metadata = {k.lower(): v for k, v in (stat.metadata or {}).items()
                         if k.lower().startswith("x-amz-meta-")}
        entries.append({"key": key, "size": target.stat().st_size, "sha256": sha256_of(target),
                        "content_type": stat.content_type, "metadata": user_metadata})
    return entries


def object_path(folder: Path, key: str) -> Path:
    path = (folder / key).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise BackupError(f"object key leaves the backup folder: {key!r}")
    return path


def backup(database_url: str, schemas: list[str], store: Store, out: Path) -> Path:
    started = datetime.now(UTC)
    folder = out / f"edudx-{started:%Y%m%dT%H%M%SZ}"
    folder.mkdir(parents=True)
    try:
        dump_path = folder / DUMP
        counts = asyncio.run(dump_database(database_url, schemas, dump_path))
        # After the snapshot: an upload finishing meanwhile gives an object without a row, which the evidence
        # sweeper removes after a restore; an object is missing for a row of the dump only if it was deleted.
        objects = copy_objects_out(store, folder / OBJECTS)
    except BaseException:
        shutil.rmtree(folder)  # a half-written backup must not be mistaken for one
        raise
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": started.isoformat(),
        "database": {"schemas": schemas, "dump": DUMP, "sha256": sha256_of(dump_path), "row_counts": counts},
        "bucket": {"name": store.bucket, "objects": objects},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return folder


def read_checked_manifest(folder: Path) -> dict[str, Any]:
    """The manifest, once every file it names is present with its recorded checksum."""
    manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    if sha256_of(folder / manifest["database"]["dump"]) != manifest["database"]["sha256"]:
        raise BackupError("postgres.dump does not match its checksum")
    for entry in manifest["bucket"]["objects"]:
        path = object_path(folder / OBJECTS, entry["key"])
        if not path.is_file() or sha256_of(path) != entry["sha256"]:
            raise BackupError(f"object {entry['key']} is missing or does not match its checksum")
    return manifest


async def restore_database(database_url: str, dump_path: Path, schemas: list[str], *, no_owner: bool) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        if present := await existing_schemas(connection, schemas):
            raise BackupError(f"the target database is not empty: schemas {', '.join(present)} exist")
    finally:
        await connection.close()
    command = ["pg_restore", "--no-password", "--exit-on-error", "--single-transaction",
               f"--dbname={database_url}", *(["--no-owner", "--no-acl"] if no_owner else []), str(dump_path)]
    await asyncio.to_thread(run, command)


def copy_objects_in(store: Store, folder: Path, objects: list[dict[str, Any]]) -> None:
    client = store.client()
    if not client.bucket_exists(store.bucket):
        client.make_bucket(store.bucket)
    for entry in objects:
        client.fput_object(store.bucket, entry["key"], str(object_path(folder, entry["key"])),
                           content_type=entry["content_type"] or "application/octet-stream",
                           metadata=entry["metadata"] or None)


async def compare_counts(database_url: str, expected: dict[str, int], schemas: list[str]) -> list[str]:
    connection = await asyncpg.connect(database_url)
    try:
        restored = await row_counts(connection, schemas)
    finally:
        await connection.close()
    return [f"{table}: {expected.get(table)} in the backup, {restored.get(table)} restored"
            for table in sorted(set(expected) | set(restored)) if expected.get(table) != restored.get(table)]


def bucket_has_objects(client: Minio, bucket: str) -> bool:
    return client.bucket_exists(bucket) and next(iter(client.list_objects(bucket, recursive=True)), None) is not None


def compare_objects(store: Store, objects: list[dict[str, Any]]) -> list[str]:
    client = store.client()
    restored = {o.object_name: o.size for o in client.list_objects(store.bucket, recursive=True)}
    expected = {entry["key"]: entry["size"] for entry in objects}
    return [f"object {key}: {expected.get(key)} bytes in the backup, {restored.get(key)} restored"
            for key in sorted(set(expected) | set(restored)) if expected.get(key) != restored.get(key)]


def restore(folder: Path, database_url: str, store: Store, *, no_owner: bool) -> None:
    manifest = read_checked_manifest(folder)
    schemas = manifest["database"]["schemas"]
    # Both targets are checked before either is written: a refused restore changes nothing.
    if bucket_has_objects(store.client(), store.bucket):
        raise BackupError(f"the target bucket {store.bucket} is not empty")
    asyncio.run(restore_database(database_url, folder / manifest["database"]["dump"], schemas, no_owner=no_owner))
    copy_objects_in(store, folder / OBJECTS, manifest["bucket"]["objects"])
    differences = asyncio.run(compare_counts(database_url, manifest["database"]["row_counts"], schemas))
    differences += compare_objects(store, manifest["bucket"]["objects"])
    if differences:
        raise BackupError("the restore differs from the backup:\n  " + "\n  ".join(differences))


def store_from(args: argparse.Namespace) -> Store:
    if not args.s3_endpoint:
        raise BackupError("set --s3-endpoint or EVIDENCE_S3_ENDPOINT")
    return Store(endpoint=args.s3_endpoint, access_key=args.s3_access_key, secret_key=args.s3_secret_key,
                 bucket=args.s3_bucket, secure=args.s3_secure)


def parse(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ.get
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database-url", default=env("EDUDX_BACKUP_DATABASE_URL"),
                        help="PostgreSQL URL of the database holding the services' schemas")
    common.add_argument("--s3-endpoint", default=env("EVIDENCE_S3_ENDPOINT"), help="host:port of the S3 API")
    common.add_argument("--s3-access-key", default=env("EVIDENCE_S3_ACCESS_KEY", ""))
    common.add_argument("--s3-secret-key", default=env("EVIDENCE_S3_SECRET_KEY", ""))
    common.add_argument("--s3-bucket", default=env("EVIDENCE_S3_BUCKET", "edudx-evidence"))
    common.add_argument("--s3-secure", action="store_true",
                        default=env("EVIDENCE_S3_SECURE", "false").lower() in ("1", "true", "yes"), help="HTTPS")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    backup_parser = commands.add_parser("backup", parents=[common], help="write a backup folder")
    backup_parser.add_argument("--out", type=Path, required=True, help="folder that receives edudx-<time>/")
    backup_parser.add_argument("--schema-prefix", default="",
                               help="prefix of the services' schemas (the schemas are <prefix><service>)")
    restore_parser = commands.add_parser("restore", parents=[common], help="restore into an empty database and bucket")
    restore_parser.add_argument("folder", type=Path, help="a folder written by `backup`")
    restore_parser.add_argument("--no-owner", action="store_true",
                                help="do not restore ownership and grants (the target lacks the services' roles)")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("set --database-url or EDUDX_BACKUP_DATABASE_URL")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        database_url = libpq_url(args.database_url)
        store = store_from(args)
        if args.command == "backup":
            schemas = [args.schema_prefix + name for name in SERVICES]
            folder = backup(database_url, schemas, store, args.out)
            print(folder)
        else:
            restore(args.folder, database_url, store, no_owner=args.no_owner)
            print(f"restored {args.folder}")
    except BackupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (OSError, asyncpg.PostgresError, MinioException, urllib3.exceptions.HTTPError) as error:
        # Unreachable servers, refused credentials: one line an operator can act on, not a traceback.
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
