"""The environment variables each service's settings class reads (`<SVC>_<FIELD>`)."""

from __future__ import annotations

import importlib
from typing import Any

from tests.support import REPO


def settings_classes() -> dict[str, Any]:
    names = [p.parent.name for p in (REPO / "services").glob("*/src/*/config.py")]
    return {name: importlib.import_module(f"{name}.config").Settings for name in sorted(names)}


def variable_names(settings: Any) -> list[str]:
    prefix = settings.model_config["env_prefix"]
    return [prefix + field.upper() for field in settings.model_fields]
