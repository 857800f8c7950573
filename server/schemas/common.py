"""Shapes shared by every API: the base classes, `{value, label}` enums, pages, the error envelope.

Response models derive from `Out` (unknown fields are refused when responses are checked in the
tests, so a field the server sends but does not declare fails a test); request models from `In`.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")
E = TypeVar("E", bound=Enum)


class In(BaseModel):
    """A request body, form or query."""


class Out(BaseModel):
    """A response shape."""

    model_config = ConfigDict(extra="forbid")


class Labelled(Out, Generic[E]):
    """An enum as the API sends it: the stored value and its Chinese label."""

    value: E
    label: str

    @classmethod
    def of(cls, member: Any) -> Labelled | None:
        if member is None:
            return None
        return cls(value=member, label=getattr(member, "label", str(member.value)))


class Ref(Out):
    """Another object named in an answer: its id and name."""

    id: int
    name: str | None = None

    @classmethod
    def of(cls, obj_id: int | None, name: str | None) -> Ref | None:
        return cls(id=obj_id, name=name) if obj_id is not None else None


class Choice(Out):
    """One option of an enum, for pickers."""

    value: str
    label: str


class Page(Out, Generic[T]):
    """One page of a list: `?page=&size=` (size at most 100)."""

    data: list[T]
    count: int = Field(description="符合条件的总条数")
    page: int
    size: int


    @classmethod
    def of(cls, items: list[Any], count: int, query: PageQuery) -> Page:
        return cls(data=items, count=count, page=query.page, size=query.size)


class Items(Out, Generic[T]):
    """A short list that is not paged."""

    data: list[T]


class Done(Out):
    """A move that returns nothing else."""

    ok: bool = True


class BatchFailure(Out):
    id: Any
    code: str
    message: str


class BatchResult(Out):
    """批量操作: which rows were done and why the others failed."""

    done: list[Any]
    failed: list[BatchFailure]


class ErrorField(Out):
    field: str
    problem: str
    message: str


class ErrorBody(Out):
    """Every 4xx/5xx answer: a stable code, a Chinese message, optional details."""

    code: str = Field(description="稳定的错误代码，如 invalid_input、out_of_jurisdiction")
    message: str = Field(description="中文错误信息")
    details: Any = None


class PageQuery(In):
    """?page=1&size=20."""

    page: int = Field(default=1, ge=1, le=1_000_000, description="页码")
    size: int = Field(default=20, ge=1, le=100, description="每页条数（1-100）")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


class FileDownload:
    """Marks an endpoint that answers with a file instead of JSON."""

    def __init__(self, content_type: str = "application/octet-stream", description: str = "文件") -> None:
        self.content_type = content_type
        self.description = description


XLSX_FILE = FileDownload("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel 文件")
PDF_FILE = FileDownload("application/pdf", "PDF 文件")
IMAGE_FILE = FileDownload("image/jpeg", "图片")

