"""Small rendering helpers shared by handlers: JSON, pages, Excel downloads."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from uuid import UUID

import orjson
from pydantic import BaseModel
from sanic import HTTPResponse
from sanic.request import Request

from server.errors import ValidationFailed

if TYPE_CHECKING:
    from server.services.platform.files import Download

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError


def ok(data: Any = None, status: int = 200) -> HTTPResponse:
    if isinstance(data, BaseModel):
        data = data.model_dump()
    body = orjson.dumps(data if data is not None else {"ok": True}, default=_default,
                        option=orjson.OPT_NON_STR_KEYS)
    return HTTPResponse(body, status=status, content_type="application/json")


def page(items: list[Any], count: int, *, page_no: int, size: int) -> HTTPResponse:
    return ok({"data": items, "count": count, "page": page_no, "size": size})


def paging(request: Request, *, max_size: int = 100) -> tuple[int, int]:
    """?page=1&size=20, validated."""
    try:
        page_no = int(request.args.get("page", 1))
        size = int(request.args.get("size", 20))
    except ValueError:
        raise ValidationFailed("分页参数必须是数字", code="invalid_paging") from None
    if page_no < 1 or size < 1 or size > max_size:
        raise ValidationFailed(f"分页参数无效（每页1-{max_size}条）", code="invalid_paging")
    return page_no, size


def int_arg(request: Request, name: str) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed(f"参数{name}必须是数字", code="invalid_query") from None


def attachment(data: bytes, filename: str, content_type: str = XLSX) -> HTTPResponse:
    return HTTPResponse(
        data,
        content_type=content_type,
        headers={"content-disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


async def send_file(request: Request, download: Download) -> None:
    """Stream a stored file as an attachment, chunk by chunk from the storage backend.

    The first chunk is read before anything is sent, so a file missing from storage still answers
    a normal 404 error."""
    chunks = aiter(download.chunks)
    first = await anext(chunks, b"")
    disposition = "inline" if download.inline else "attachment"
    response = await request.respond(content_type=download.content_type, headers={
        **download.headers,
        "content-disposition": f"{disposition}; filename*=UTF-8''{quote(download.filename)}",
        "content-length": str(download.size),
    })
    await response.send(first)
    async for chunk in chunks:
        await response.send(chunk)
    await response.eof()


def enum_out(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    return {"value": value.value, "label": value.label}
