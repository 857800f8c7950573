"""`/docs/openapi.json`, written from the declarations of `endpoint(...)`.

Paths come from Sanic's router, operations from each handler's `__api__`; every request body,
query argument, form and 2xx response is a pydantic model, emitted once as a component schema
(pydantic's JSON Schema, OpenAPI 3.1). sanic-ext's own generator flattens pydantic models (no
components, no `required`, arrays of untyped objects), which no client can be typed from, so the
document is built here. Enums carry their Chinese labels (`x-enum-labels`); 4xx/5xx answers share
one error envelope; guarded operations carry the bearer security scheme.
"""

from __future__ import annotations

import re
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from sanic import Sanic

from server.models.base import LabelledEnum
from server.routes.api import ApiSpec, api_spec
from server.routes.render import ok
from server.schemas.common import ErrorBody, FileDownload

REF = "#/components/schemas/{model}"
_PARAM = re.compile(r"<([^>:]+)(?::([^>]+))?>")
_PARAM_TYPES = {"int": {"type": "integer", "minimum": 1}, "uuid": {"type": "string", "format": "uuid"}}
ERRORS = {"400": "请求有误", "401": "未登录或登录已失效", "403": "无权进行此操作", "404": "记录不存在",
          "409": "状态冲突", "422": "输入内容有误", "429": "操作过于频繁"}


def _models_in(tp: Any) -> list[type[BaseModel]]:
    """The BaseModel classes a response type is made of (list[X] → X)."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return [m for arg in typing.get_args(tp) for m in _models_in(arg)]


def _schema_of(tp: Any, refs: dict[tuple[type[BaseModel], str], dict[str, Any]], mode: str) -> dict[str, Any]:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return refs[(tp, mode)]
    origin = typing.get_origin(tp)
    if origin is list:
        (item,) = typing.get_args(tp)
        return {"type": "array", "items": _schema_of(item, refs, mode)}
    raise TypeError(f"undeclarable response type {tp!r}: use a pydantic model")


def _path_of(uri: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for name, kind in _PARAM.findall(uri):
        params.append({"name": name, "in": "path", "required": True,
                       "schema": _PARAM_TYPES.get(kind or "str", {"type": "string"})})
    return "/" + _PARAM.sub(lambda m: "{" + m.group(1) + "}", uri).lstrip("/"), params


def _query_params(model: type[BaseModel], schema: dict[str, Any]) -> list[dict[str, Any]]:
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    out = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        prop = _drop_null(dict(props.get(key, {})))
        prop.pop("title", None)
        description = prop.pop("description", None) or info.description
        param = {"name": key, "in": "query", "required": key in required, "schema": prop}
        if description:
            param["description"] = description
        out.append(param)
    return out


def _drop_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query argument is absent, never null: `anyOf: [X, null]` becomes X."""
    branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
    if "anyOf" in schema and len(branches) == 1:
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        schema = {**branches[0], **rest}
    if schema.get("default", 0) is None:
        schema.pop("default")
    return schema


def _label_enums(components: dict[str, Any]) -> None:
    """Give every enum component of a LabelledEnum its Chinese labels."""
    enums = {cls.__name__: cls for cls in _all_subclasses(LabelledEnum)}
    for name, schema in components.items():
        cls = enums.get(name)
        if cls is not None and "enum" in schema:
            schema["x-enum-labels"] = {m.value: m.label for m in cls}
            schema["description"] = "；".join(f"{m.value}={m.label}" for m in cls)


def _all_subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_all_subclasses(sub))
    return out


def build_openapi(app: Sanic) -> dict[str, Any]:
    ops: list[tuple[str, str, Any, ApiSpec]] = []
    for route in app.router.routes:
        spec = api_spec(route.handler)
        if spec is None:
            continue
        for method in sorted(route.methods):
            if method in ("HEAD", "OPTIONS"):
                continue
            ops.append((route.path, method.lower(), route, spec))

    wanted: list[tuple[type[BaseModel], str]] = [(ErrorBody, "serialization")]
    for _, _, _, spec in ops:
        for model, mode in ((spec.body, "validation"), (spec.query, "validation"), (spec.form, "validation")):
            if model is not None:
                wanted.append((model, mode))
        if not isinstance(spec.response, FileDownload):
            wanted.extend((m, "serialization") for m in _models_in(spec.response))
    wanted = list(dict.fromkeys(wanted))
    refs, defs = models_json_schema(wanted, ref_template=REF)
    components: dict[str, Any] = dict(defs.get("$defs", {}))
    _label_enums(components)

    def resolve(ref: dict[str, Any]) -> dict[str, Any]:
        return components[ref["$ref"].rsplit("/", 1)[1]]

    paths: dict[str, dict[str, Any]] = {}
    seen_ids: set[str] = set()
    for uri, method, route, spec in ops:
        path, params = _path_of(uri)
        handler = route.handler
        doc = (handler.__doc__ or "").strip()
        summary, _, description = doc.partition("\n")
        op_id = f"{route.name.split('.')[-2] if route.name.count('.') >= 2 else 'api'}_{handler.__name__}"
        while op_id in seen_ids:
            op_id += "_"
        seen_ids.add(op_id)
        op: dict[str, Any] = {"operationId": op_id, "summary": summary or handler.__name__,
                              "tags": [route.name.split(".")[-2]] if route.name.count(".") >= 2 else []}
        if description.strip():
            op["description"] = description.strip()
        if spec.query is not None:
            params = params + _query_params(spec.query, resolve(refs[(spec.query, "validation")]))
        if params:
            op["parameters"] = params
        if spec.body is not None:
            op["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": refs[(spec.body, "validation")]}}}
        elif spec.form is not None or spec.files:
            form_schema: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
            if spec.form is not None:
                fs = resolve(refs[(spec.form, "validation")])
                form_schema["properties"].update(fs.get("properties", {}))
                form_schema["required"].extend(fs.get("required", []))
            for name in spec.files:
                form_schema["properties"][name] = {"type": "string", "format": "binary"}
                form_schema["required"].append(name)
            op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": form_schema}}}
        if isinstance(spec.response, FileDownload):
            ok_content = {spec.response.content_type: {"schema": {"type": "string", "format": "binary"}}}
            ok_desc = spec.response.description
        else:
            ok_content = {"application/json": {"schema": _schema_of(spec.response, refs, "serialization")}}
            ok_desc = "成功"
        responses: dict[str, Any] = {str(spec.status): {"description": ok_desc, "content": ok_content}}
        for code in ERRORS:
            if code in ("401", "403") and spec.guard is None:
                continue
            responses[code] = {"$ref": f"#/components/responses/E{code}"}
        op["responses"] = responses
        if spec.guard is not None:
            op["security"] = [{"bearer": []}]
            op["x-roles"] = [r.value for r in spec.guard.roles]
            if spec.guard.province_only:
                op["x-province-only"] = True
        paths.setdefault(path, {})[method] = op

    error_ref = refs[(ErrorBody, "serialization")]
    return {
        "openapi": "3.1.0",
        "info": {"title": "定考通 API", "version": "1.0",
                 "description": "医师定期考核：小程序 (/api/v1/mp) 与管理端 (/api/v1/admin) 接口。"},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.items())),
            "responses": {f"E{code}": {"description": text, "content": {"application/json": {"schema": error_ref}}}
                          for code, text in ERRORS.items()},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "登录接口返回的 token：Authorization: Bearer <token>"}},
        },
    }


def register_openapi(app: Sanic) -> None:
    cache: dict[str, Any] = {}  # built once per app, after every route is registered

    @app.get("/docs/openapi.json", name="openapi_document")
    async def openapi_document(request):
        if "doc" not in cache:
            cache["doc"] = build_openapi(request.app)
        return ok(cache["doc"])
