"""Every request schema of every service uses the shared constrained types (edudx_common.types).

The request bodies come from each service's own OpenAPI (so a new route is covered without editing this
test); each body model, and every model nested in it, is checked field by field: a number field must refuse
NaN and Infinity, a title/name/code text field must refuse a line break.
"""

from __future__ import annotations

import importlib
import json
import re
import types
import typing
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from edudx_common.openapi import HAND_WRITTEN_KEY
from edudx_common.types import PartialUpdate, RequestModel

SERVICES = ("identity", "submissions", "evidence", "scoring", "notifications")
SINGLE_LINE_FIELD = re.compile(r"^(title|name|code|label|subject|short_name|full_name|[a-z_]+_(name|title|code))$")


def _all_subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_all_subclasses(sub))
    return found


def _request_models(service: str) -> list[type[BaseModel]]:
    main = importlib.import_module(f"{service}.main")
    config = importlib.import_module(f"{service}.config")
    spec = main.create_app(config.Settings(environment="test")).openapi()
    names = set()
    for operations in spec["paths"].values():
        for operation in operations.values():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                names.update(re.findall(r"#/components/schemas/([A-Za-z0-9_]+)", str(content.get("schema", {}))))
    classes = {c.__name__: c for c in _all_subclasses(BaseModel)
               if c.__module__.split(".")[0] in (service, "edudx_common")}
    hand_written = {n for n, schema in spec["components"]["schemas"].items() if schema.get(HAND_WRITTEN_KEY)}
    missing = {n for n in names if n not in classes and not n.startswith("Body_") and n not in hand_written}
    assert not missing, f"request schemas not found as classes: {missing}"
    return [classes[n] for n in sorted(names) if n in classes]


def _leaves(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _leaves(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType) or origin in (list, tuple, set, frozenset, dict):
        return [leaf for arg in typing.get_args(annotation) for leaf in _leaves(arg)]
    return [annotation]


def _fields(models: list[type[BaseModel]]) -> list[tuple[str, str, FieldInfo, list[Any]]]:
    seen: set[type] = set()
    found = []
    queue = list(models)
    while queue:
        model = queue.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            leaves = _leaves(info.annotation)
            found.append((model.__name__, name, info, leaves))
            queue.extend(leaf for leaf in leaves if isinstance(leaf, type) and issubclass(leaf, BaseModel))
    return found


def _is_collection(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated or origin in (typing.Union, types.UnionType):
        return any(_is_collection(a) for a in typing.get_args(annotation) if a is not type(None))
    return origin in (list, tuple, set, frozenset)


def _refuses(info: FieldInfo, value: Any) -> bool:
    adapter: TypeAdapter[Any] = TypeAdapter(typing.Annotated[info.annotation, info])
    try:
        adapter.validate_python([value] if _is_collection(info.annotation) else value)
    except ValidationError:
        return True
    return False


@pytest.mark.parametrize("service", SERVICES)
def test_every_number_in_a_request_refuses_nan_and_infinity(service: str) -> None:
    offenders = [f"{model}.{name}" for model, name, info, leaves in _fields(_request_models(service))
                 if any(leaf in (float, Decimal) for leaf in leaves)
                 and not all(_refuses(info, v) for v in (float("nan"), float("inf"), float("-inf")))]
    assert offenders == [], f"use edudx_common.types.FiniteFloat / FiniteDecimal for {offenders}"


@pytest.mark.parametrize("service", SERVICES)
def test_every_title_name_and_code_in_a_request_is_single_line(service: str) -> None:
    offenders = [f"{model}.{name}" for model, name, info, leaves in _fields(_request_models(service))
                 if SINGLE_LINE_FIELD.match(name) and str in leaves
                 and not all(_refuses(info, v) for v in ("Dòng 1\r\nBcc: x@example.com", "a\x00b", "a\u2028b"))]
    assert offenders == [], f"use edudx_common.types.single_line for {offenders}"


def _patch_models(service: str) -> list[type[BaseModel]]:
    main = importlib.import_module(f"{service}.main")
    config = importlib.import_module(f"{service}.config")
    spec = main.create_app(config.Settings(environment="test")).openapi()
    names = {name for operations in spec["paths"].values() for method, operation in operations.items()
             if method == "patch"
             for content in operation.get("requestBody", {}).get("content", {}).values()
             for name in re.findall(r"#/components/schemas/([A-Za-z0-9_]+)", str(content.get("schema", {})))}
    return [m for m in _request_models(service) if m.__name__ in names]


@pytest.mark.parametrize("service", SERVICES)
def test_partial_updates_refuse_null_except_for_clearable_fields(service: str) -> None:
    for model in _patch_models(service):
        if any(info.is_required() for info in model.model_fields.values()):
            continue  # not "only the fields sent change"
        assert issubclass(model, PartialUpdate), f"{model.__name__} must extend edudx_common.types.PartialUpdate"
        for name in model.model_fields:
            refused = True
            try:
                model.model_validate({name: None})
                refused = False
            except ValidationError as exc:
                assert exc.errors()[0]["loc"] == (name,)
            assert refused == (name not in model.clearable), f"{model.__name__}.{name}"


# Events come from our own services (their texts were request bodies first), not from people.
SERVICE_TO_SERVICE = {"EventEnvelope", "EventBatch", "BatchedEvent"}


@pytest.mark.parametrize("service", SERVICES)
def test_every_request_body_refuses_half_a_surrogate_pair(service: str) -> None:
    """`"\\ud800"` is valid JSON and decodes in Python, but no UTF-8 text holds it: an autosave stored it, and every
    later read of that draft failed (500). `RequestModel` refuses it anywhere in a body, so every body must be one."""
    models = [m for m in _request_models(service) if m.__name__ not in SERVICE_TO_SERVICE]
    assert [m.__name__ for m in models if not issubclass(m, RequestModel)] == []


@pytest.mark.parametrize(("body", "where"), [
    ({"values": {"a": "x\ud800"}}, "values.a"),
    ({"values": {"a": [{"b": "ok"}, {"b": "\udfff"}]}}, "values.a[1].b"),
    ({"values": {"\ud83d": 1}}, "values"),
])
def test_half_a_surrogate_pair_is_refused_with_where_it_is(body: dict[str, Any], where: str) -> None:
    class Body(RequestModel):
        values: dict[str, Any]

    with pytest.raises(ValidationError) as raised:
        Body.model_validate(body)
    assert raised.value.errors()[0]["type"] == "unpaired_surrogate" and f"({where})" in str(raised.value)
    # A whole pair, as a JSON escape (what an ASCII-only client sends for an emoji), is one character: accepted.
    assert Body.model_validate(json.loads('{"values": {"a": "\\ud83d\\ude00 đủ cặp"}}')).values == {"a": "😀 đủ cặp"}
