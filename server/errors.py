"""The domain error tree and the one place that maps it to HTTP.

Services raise these; route handlers never build error responses themselves.
Every error carries a stable machine `code` and a Chinese `message`.
"""

from __future__ import annotations

import logging
from typing import Any

from sanic import Sanic, json
from sanic.exceptions import SanicException
from sanic.request import Request

log = logging.getLogger("server.errors")


class DomainError(Exception):
    status = 400
    code = "bad_request"
    message = "请求有误"

    def __init__(self, message: str | None = None, *, code: str | None = None, details: Any = None):
        self.message = message or self.message
        self.code = code or self.code
        self.details = details
        super().__init__(self.message)


class ValidationFailed(DomainError):
    status = 422
    code = "invalid_input"
    message = "输入内容有误"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    message = "请先登录"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    message = "无权进行此操作"


class OutOfJurisdiction(Forbidden):
    code = "out_of_jurisdiction"
    message = "不在本机构管辖范围内"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message = "记录不存在"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    message = "操作冲突，请刷新后重试"


class InvalidTransition(Conflict):
    code = "invalid_transition"
    message = "当前状态不允许此操作"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"
    message = "上传内容过大"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    message = "操作过于频繁，请稍后再试"


class ServiceUnavailable(DomainError):
    status = 503
    code = "service_unavailable"
    message = "服务暂时不可用，请稍后重试"


class UpstreamError(DomainError):
    status = 502
    code = "upstream_error"
    message = "外部服务暂时不可用，请稍后再试"


RETRY_AFTER_SECONDS = 5


def _outage_types() -> tuple[type[BaseException], ...]:
    """Exceptions that mean a dependency (PostgreSQL, Redis) is down or restarting."""
    types: list[type[BaseException]] = [ConnectionError, TimeoutError]
    try:
        from tortoise.exceptions import DBConnectionError

        types.append(DBConnectionError)
    except ImportError:  # pragma: no cover
        pass
    try:
        import asyncpg

        # InterfaceError ("connection is closed", ConnectionDoesNotExistError) and InternalClientError
        # ("cannot switch to state …") are what a connection broken mid-query raises: a PostgreSQL
        # restart seen from inside a statement
        types += [asyncpg.PostgresConnectionError, asyncpg.CannotConnectNowError, asyncpg.AdminShutdownError,
                  asyncpg.InterfaceError, asyncpg.InternalClientError]
    except ImportError:  # pragma: no cover - SQLite-only installs
        pass
    try:
        import redis.exceptions as redis_errors

        types += [redis_errors.ConnectionError, redis_errors.TimeoutError, redis_errors.BusyLoadingError]
    except ImportError:  # pragma: no cover
        pass
    return tuple(types)


OUTAGE_TYPES = _outage_types()


def _out_of_range_types() -> tuple[type[BaseException], ...]:
    """Exceptions that mean an input does not fit the column it is compared with or written to: an
    integer beyond the column's range, a text longer than it (found by schemathesis: 500s before)."""
    types: list[type[BaseException]] = [OverflowError]
    try:
        from tortoise.exceptions import ValidationError as FieldValidationError

        types.append(FieldValidationError)
    except ImportError:  # pragma: no cover
        pass
    try:
        import asyncpg

        types.append(asyncpg.DataError)  # value out of int32 range, value too long for type …
    except ImportError:  # pragma: no cover - SQLite-only installs
        pass
    return tuple(types)


OUT_OF_RANGE_TYPES = _out_of_range_types()


def is_out_of_range(exc: BaseException | None) -> bool:
    """Whether an error (or what caused it) is an input out of a column's range."""
    return _caused_by(exc, OUT_OF_RANGE_TYPES)


def _caused_by(exc: BaseException | None, types: tuple[type[BaseException], ...]) -> bool:
    """Whether the error, or what caused it a few levels down, is one of ``types``."""
    for _ in range(6):
        if exc is None:
            return False
        if isinstance(exc, types):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def is_outage(exc: BaseException | None) -> bool:
    """Whether an error (or what caused it, a few levels down) is a dependency outage."""
    return _caused_by(exc, OUTAGE_TYPES)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return body


_SANIC_CODES = {
    400: ("bad_request", "请求格式有误"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "无权进行此操作"),
    404: ("not_found", "接口不存在"),
    405: ("method_not_allowed", "请求方法不被允许"),
    413: ("payload_too_large", "上传内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    429: ("rate_limited", "操作过于频繁，请稍后再试"),
}


def register_error_handlers(app: Sanic) -> None:
    """Map every exception to one JSON shape: {code, message, details?}."""

    @app.exception(DomainError)
    async def _domain(request: Request, exc: DomainError):
        headers = {}
        if isinstance(exc, RateLimited):  # 429: when to try again
            wait = exc.details.get("retry_after") if isinstance(exc.details, dict) else None
            headers["retry-after"] = str(int(wait) if isinstance(wait, int | float) and wait > 0 else 60)
        return json(error_body(exc.code, exc.message, exc.details), status=exc.status, headers=headers)

    @app.exception(SanicException)
    async def _sanic(request: Request, exc: SanicException):
        status = getattr(exc, "status_code", 500) or 500
        # sanic-ext validation errors come as 400 with a pydantic message
        if exc.__class__.__name__ == "ValidationError":
            details = _validation_details(exc)
            return json(error_body("invalid_input", _validation_message(details), details), status=422)
        code, message = _SANIC_CODES.get(status, ("server_error", "服务器内部错误"))
        return json(error_body(code, message), status=status)

    @app.exception(Exception)
    async def _unexpected(request: Request, exc: Exception):
        if is_outage(exc):  # the database or Redis is down or restarting: try again shortly, not a bug
            log.warning("dependency unavailable on %s %s: %s", request.method, request.path, type(exc).__name__)
            return json(error_body(ServiceUnavailable.code, ServiceUnavailable.message), status=503,
                        headers={"retry-after": str(RETRY_AFTER_SECONDS)})
        if is_out_of_range(exc):  # a number or text the database cannot hold: the caller's input, not a bug
            log.info("input out of range on %s %s: %s", request.method, request.path, type(exc).__name__)
            return json(error_body("value_out_of_range", "输入的数值或文字超出允许的范围"), status=422)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return json(error_body("server_error", "服务器内部错误，请稍后再试"), status=500)


def _validation_details(exc: Exception) -> Any:
    """Field-level problems of a pydantic validation failure: [{field, problem, message}], the message
    in Chinese naming the field by its title (the model is found by the error's title)."""
    cause = exc.__cause__ or exc.__context__
    errors = getattr(cause, "errors", None)
    if callable(errors):
        try:
            model = _model_named(str(getattr(cause, "title", "")))
            return [_problem(e, model) for e in errors()]
        except Exception:  # pragma: no cover - defensive: never fail while reporting a failure
            return None
    return None


def validation_failed(exc: Any, *, model: Any = None, code: str = "invalid_input") -> ValidationFailed:
    """A pydantic ValidationError as a ValidationFailed: field details, each with a Chinese message that
    names the field by its Chinese title (``Field(title=...)``, else the description's first words);
    the message is the first detail's. Never an English field name or pydantic's English text."""
    details = [_problem(e, model) for e in exc.errors()]
    message = details[0]["message"] if details else "输入内容有误"
    return ValidationFailed(message, code=code, details=details)


# pydantic error types → Chinese, {label} the field's Chinese name
_MESSAGES: dict[str, str] = {
    "missing": "{label}为必填项",
    "extra_forbidden": "包含不支持的填写项",
    "string_type": "{label}必须是文字",
    "string_too_short": "{label}不能为空",
    "string_too_long": "{label}不能超过{max_length}字",
    "string_pattern_mismatch": "{label}格式有误",
    "too_short": "{label}至少{min_length}项",
    "too_long": "{label}最多{max_length}项",
    "int_type": "{label}必须是整数",
    "int_parsing": "{label}必须是整数",
    "int_from_float": "{label}必须是整数",
    "float_type": "{label}必须是数字",
    "float_parsing": "{label}必须是数字",
    "bool_type": "{label}必须是“是”或“否”",
    "bool_parsing": "{label}必须是“是”或“否”",
    "literal_error": "{label}取值无效",
    "enum": "{label}取值无效",
    "greater_than": "{label}超出允许范围",
    "greater_than_equal": "{label}超出允许范围",
    "less_than": "{label}超出允许范围",
    "less_than_equal": "{label}超出允许范围",
    "date_type": "{label}日期格式有误",
    "date_parsing": "{label}日期格式有误",
    "date_from_datetime_parsing": "{label}日期格式有误",
    "datetime_type": "{label}时间格式有误",
    "datetime_parsing": "{label}时间格式有误",
    "datetime_from_date_parsing": "{label}时间格式有误",
    "model_type": "{label}格式有误",
    "model_attributes_type": "请求内容必须是JSON对象",
    "dict_type": "{label}格式有误",
    "list_type": "{label}必须是列表",
    "union_tag_invalid": "{label}取值无效",
    "union_tag_not_found": "{label}为必填项",
}


def _problem(e: dict[str, Any], model: Any) -> dict[str, Any]:
    loc = tuple(e.get("loc", ()))
    field = ".".join(str(p) for p in loc)
    kind = str(e.get("type", "invalid"))
    label = _loc_label(model, loc) or "输入内容"
    msg = _clean_msg(str(e.get("msg", "")))
    if kind in ("value_error", "assertion_error") and _has_cjk(msg) and not _has_identifier(msg):
        message = msg
    elif not loc and kind in ("model_type", "model_attributes_type", "dict_type"):
        message = "请求内容必须是JSON对象"
    else:
        try:
            message = _MESSAGES.get(kind, "{label}格式有误").format(label=label, **(e.get("ctx") or {}))
        except (KeyError, IndexError, ValueError):
            message = f"{label}格式有误"
    return {"field": field, "problem": kind, "message": message}


def _has_identifier(text: str) -> bool:
    import re
    return re.search(r"[a-z_][A-Za-z_]{2,}|[A-Za-z_]{2,}[a-z_]", text) is not None


def _sub_model(annotation: Any) -> Any:
    """The pydantic model inside an annotation (Model, Model | None, list[Model], dict[str, Model])."""
    import typing
    if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
        return annotation
    for arg in typing.get_args(annotation):
        found = _sub_model(arg)
        if found is not None:
            return found
    return None


def _loc_label(model: Any, loc: tuple[Any, ...]) -> str:
    """The Chinese name of the deepest named field of ``loc`` (walking nested models)."""
    label = ""
    current = model
    for part in loc:
        if not isinstance(part, str) or current is None:
            continue
        info = getattr(current, "model_fields", {}).get(part)
        if info is None:
            break
        label = _field_label(current, part) or label
        current = _sub_model(info.annotation)
    return label


def _model_named(title: str) -> Any:
    """Our pydantic model called ``title`` (what sanic-ext's validation error carries), or None."""
    from pydantic import BaseModel

    stack = list(BaseModel.__subclasses__())
    while stack:
        cls = stack.pop()
        if cls.__name__ == title and cls.__module__.startswith("server."):
            return cls
        stack.extend(cls.__subclasses__())
    return None


def _field_label(model: Any, name: str) -> str:
    """The Chinese name of a model field, or "" when it has none."""
    info = getattr(model, "model_fields", {}).get(name)
    if info is None:
        return ""
    for text in (info.title, info.description):
        if text and _has_cjk(text):
            head = text.split("（")[0].split("(")[0].split("，")[0].split(",")[0].strip()
            if _has_cjk(head) and not _has_identifier(head):
                return head
    return ""


def _clean_msg(msg: str) -> str:
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _validation_message(details: Any) -> str:
    """The first detail's Chinese message, else a generic one (never a field name)."""
    if isinstance(details, list):
        for item in details:
            msg = item.get("message", "") if isinstance(item, dict) else ""
            if _has_cjk(msg):
                return msg
    return "输入内容有误"
