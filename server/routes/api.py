"""`endpoint(...)`: the one decorator that declares an operation of the API.

It guards (roles, first-login set-up, province/national only), parses and validates the JSON
body, the query arguments and multipart form fields into pydantic models (passed to the handler
as `body=`, `query=`, `form=`), renders what the handler returns, and records the declaration
(`__api__`) from which `server/routes/openapi.py` writes `/docs/openapi.json`. With
`CHECK_RESPONSES` on (the tests), every 2xx JSON answer is checked against its declared model.

    @bp.get("/physicians")
    @endpoint(ADMIN, HI, AI, query=PhysicianQuery, response=Page[PhysicianRow])
    async def list_physicians(request, query: PhysicianQuery): ...
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, wraps
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from sanic import HTTPResponse
from sanic.request import Request

from server.errors import ValidationFailed, validation_failed
from server.routes.guards import Guard, make_guard
from server.routes.render import ok, send_file
from server.schemas.common import Done, FileDownload
from server.services.access import Role
from server.services.platform.files import Download


class ResponseContractBroken(RuntimeError):
    """A handler answered with a shape its declaration does not allow (tests only)."""


@dataclass(frozen=True)
class ApiSpec:
    guard: Guard | None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    form: type[BaseModel] | None = None
    files: tuple[str, ...] = ()
    response: Any = Done
    status: int = 200
    tags: tuple[str, ...] = field(default_factory=tuple)


def endpoint(*roles: Role, body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
             form: type[BaseModel] | None = None, files: tuple[str, ...] = (), response: Any = Done,
             status: int = 200, public: bool = False, setup: bool = False, province_only: bool = False,
             national_only: bool = False) -> Callable:
    """Declare and guard an operation. `public=True` for the few endpoints anyone may call."""
    guard = None if public else make_guard(roles, setup=setup, province_only=province_only,
                                           national_only=national_only)
    spec = ApiSpec(guard=guard, body=body, query=query, form=form, files=tuple(files), response=response,
                   status=status)

    def decorator(handler: Callable) -> Callable:
        @wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            if guard is not None:
                await guard.check(request)
            if body is not None:
                kwargs["body"] = parse_body(request, body)
            if query is not None:
                kwargs["query"] = parse_args(request.args, query, code="invalid_query")
            if form is not None:
                kwargs["form"] = parse_args(request.form or {}, form, code="invalid_input")
            result = await handler(request, *args, **kwargs)
            if isinstance(result, Download):  # a stored file, streamed (declared as a FileDownload)
                await send_file(request, result)
                return None  # type: ignore[return-value]
            resp = result if isinstance(result, HTTPResponse) else ok(result, status=status)
            if _checking(request):
                check_response(spec, resp)
            return resp

        wrapper.__api__ = spec  # type: ignore[attr-defined]
        if guard is not None:
            wrapper.__guard__ = guard.as_dict()  # type: ignore[attr-defined]
        return wrapper

    return decorator


def parse_body(request: Request, model: type[BaseModel]) -> BaseModel:
    data = request.json
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise validation_failed(exc, model=model) from None


def uploaded_file(request: Request, filename: str = "") -> tuple[bytes, str]:
    """An upload for an import: the multipart field `file`, or the raw request body (named by ?filename=)."""
    upload = request.files.get("file") if request.files else None
    if upload is not None:
        return upload.body, upload.name or ""
    if (request.content_type or "").startswith("multipart/"):
        raise ValidationFailed("请选择要上传的文件（字段名 file）", code="empty_file")
    return request.body or b"", filename


def _is_list(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    return any(_is_list(a) for a in typing.get_args(annotation)) if origin is not None else False


def parse_args(args: Any, model: type[BaseModel], *, code: str) -> BaseModel:
    """Query arguments (or multipart fields) into the model; empty values count as absent."""
    raw: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        values = [v for v in (args.getlist(key) if hasattr(args, "getlist") else args.get(key, [])) if v != ""]
        if not values:
            continue
        raw[name] = values if _is_list(info.annotation) else values[0]
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        bad = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")}
        if bad & {"page", "size"}:
            numeric = all(e["type"] not in ("int_parsing", "int_type") for e in exc.errors())
            size_max = (model.model_fields["size"].metadata and
                        next((m.le for m in model.model_fields["size"].metadata if hasattr(m, "le")), 100)) or 100
            if not numeric:
                raise ValidationFailed("分页参数必须是数字", code="invalid_paging") from None
            raise ValidationFailed(f"分页参数无效（每页1-{size_max}条）", code="invalid_paging") from None
        raise validation_failed(exc, model=model, code=code) from None


def _checking(request: Request) -> bool:
    settings = getattr(request.app.ctx, "settings", None)
    return bool(getattr(settings, "CHECK_RESPONSES", False))


@cache
def _adapter(tp: Any) -> TypeAdapter:
    return TypeAdapter(tp)


def check_response(spec: ApiSpec, resp: HTTPResponse) -> None:
    """Validate a 2xx JSON answer against the declared response (unknown fields refused)."""
    if not 200 <= resp.status < 300:
        return
    if isinstance(spec.response, FileDownload):
        return
    if (resp.content_type or "").split(";")[0] != "application/json":
        raise ResponseContractBroken(f"declared JSON, answered {resp.content_type}")
    try:
        _adapter(spec.response).validate_json(resp.body or b"null")
    except ValidationError as exc:
        raise ResponseContractBroken(f"response does not match {spec.response!r}: {exc}") from None


def api_spec(handler: Callable) -> ApiSpec | None:
    return getattr(handler, "__api__", None)
