"""The Python SDK as CI generates it (scripts/build_clients.py), built from the current code into a temporary
folder and importable as `edudx_api_client` for the tests that use it."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from tests.support import REPO

sys.path.insert(0, str(REPO / "scripts"))
import build_clients


@contextmanager
def generated_python_client(folder: Path) -> Iterator[ModuleType]:
    spec_path = folder / "openapi.json"
    spec = build_clients.write_public_spec(spec_path)
    version = str(spec["info"]["version"])  # type: ignore[index]
    build_clients.python_client(spec_path, version, target=folder / "edudx_api_client")
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("edudx_api_client")
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == "edudx_api_client" or n.startswith("edudx_api_client.")]:
            del sys.modules[name]
