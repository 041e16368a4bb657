"""Lint the public API document and generate the SDKs from it (`make clients`).

1. The public document: every service's spec merged as the gateway serves it at /api/openapi.json (internal
   routes left out), committed as openapi/public/openapi.json by `make openapi`; this script uses the current
   code's, so a stale commit cannot hide a problem.
2. Spectral (`spectral:oas`) and Redocly (`recommended`): any error fails the build.
3. clients/python (openapi-python-client) and clients/typescript (@hey-api/openapi-ts, then `tsc`): any
   generator warning fails the build. Both packages carry the API's version (info.version).

The generated code is not committed: CI makes it (tests/contract/test_clients.py runs this script). The npm
tools are installed from the lock files in clients/tooling and clients/typescript (`npm ci`) when missing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLIENTS = REPO / "clients"
TOOLING = CLIENTS / "tooling"
TYPESCRIPT = CLIENTS / "typescript"
PYTHON = CLIENTS / "python"
PYTHON_PACKAGE = "edudx_api_client"

sys.path.insert(0, str(REPO / "scripts"))
import export_openapi  # noqa: E402


class BuildFailed(Exception):
    pass


def run(args: list[str], *, cwd: Path, what: str) -> str:
    """Run a tool; its output, or BuildFailed with it when the tool failed."""
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)  # noqa: S603
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise BuildFailed(f"{what} failed (exit {done.returncode}):\n{output}")
    return output


def npm_packages(folder: Path) -> None:
    """`npm ci` when the lock file changed since the last install (the same rule as the SPA's)."""
    lock = folder / "package-lock.json"
    stamp = folder / "node_modules" / ".installed"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=folder, what=f"npm ci in {folder.name}")
    stamp.write_text(digest)


def write_public_spec(target: Path) -> dict[str, object]:
    spec = export_openapi.public_spec()
    target.write_text(export_openapi.render(spec), encoding="utf-8")
    return spec


def lint(spec_path: Path) -> None:
    bin_dir = TOOLING / "node_modules" / ".bin"
    run([str(bin_dir / "spectral"), "lint", "--ruleset", str(TOOLING / ".spectral.yaml"), "--fail-severity", "error",
         str(spec_path)], cwd=TOOLING, what="Spectral (spectral:oas)")
    run([str(bin_dir / "redocly"), "lint", "--config", str(TOOLING / "redocly.yaml"), str(spec_path)],
        cwd=TOOLING, what="Redocly (recommended)")


_WARNING = re.compile(r"warn", re.IGNORECASE)


def python_client(spec_path: Path, version: str, *, target: Path = PYTHON / PYTHON_PACKAGE) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "out"
        output = run([sys.executable, "-m", "openapi_python_client", "generate", "--path", str(spec_path),
                      "--output-path", str(out), "--meta", "none", "--config", str(PYTHON / "generator.yaml"),
                      "--fail-on-warning"], cwd=PYTHON, what="openapi-python-client")
        if _WARNING.search(output):
            raise BuildFailed(f"openapi-python-client warned:\n{output}")
        shutil.copytree(out, target)
    (target / "_version.py").write_text(f'__version__ = "{version}"\n', encoding="utf-8")
    return target


def typescript_client(spec_path: Path, version: str) -> Path:
    target = TYPESCRIPT / "src"
    shutil.rmtree(target, ignore_errors=True)
    output = run([str(TYPESCRIPT / "node_modules" / ".bin" / "openapi-ts"), "--input", str(spec_path),
                  "--output", str(target), "--client", "@hey-api/client-fetch"], cwd=TYPESCRIPT,
                 what="@hey-api/openapi-ts")
    if _WARNING.search(output):
        raise BuildFailed(f"@hey-api/openapi-ts warned:\n{output}")
    run([str(TYPESCRIPT / "node_modules" / ".bin" / "tsc"), "-p", "tsconfig.json"], cwd=TYPESCRIPT,
        what="tsc over the TypeScript client")
    (TYPESCRIPT / "dist" / "version.json").write_text(json.dumps({"version": version}) + "\n", encoding="utf-8")
    return target


def check_versions(version: str) -> None:
    """The packages' committed versions are the API's: bump them with info.version (see docs/api/)."""
    package = json.loads((TYPESCRIPT / "package.json").read_text(encoding="utf-8"))
    pyproject = (PYTHON / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r'^version = "([^"]+)"', pyproject, re.MULTILINE)
    wrong = [name for name, value in (("clients/typescript/package.json", package.get("version")),
                                      ("clients/python/pyproject.toml", found.group(1) if found else None))
             if value != version]
    if wrong:
        raise BuildFailed(f"version of {', '.join(wrong)} is not the API's {version}")


def build(*, lint_only: bool = False) -> dict[str, object]:
    npm_packages(TOOLING)
    spec_path = CLIENTS / "build" / "openapi.json"
    spec_path.parent.mkdir(exist_ok=True)
    spec = write_public_spec(spec_path)
    version = str(spec["info"]["version"])  # type: ignore[index]
    check_versions(version)
    lint(spec_path)
    if not lint_only:
        npm_packages(TYPESCRIPT)
        python_client(spec_path, version)
        typescript_client(spec_path, version)
    return spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lint-only", action="store_true", help="only lint the public document")
    args = parser.parse_args()
    try:
        build(lint_only=args.lint_only)
    except BuildFailed as failure:
        sys.stderr.write(f"{failure}\n")
        sys.exit(1)
    sys.stdout.write("clients/python and clients/typescript generated; the public document lints clean\n")


if __name__ == "__main__":
    main()
