"""The enum catalogue: every LabelledEnum of the models with its Chinese labels (one source for
every client's filters and tags)."""

from __future__ import annotations

from functools import lru_cache

import server.models as models
from server.models.base import LabelledEnum
from server.schemas.common import Choice, Out


class EnumCatalogue(Out):
    """Every enum the API uses: name → options {value, label} (so no client copies them)."""

    enums: dict[str, list[Choice]]


@lru_cache(maxsize=1)
def enum_catalogue() -> EnumCatalogue:
    out: dict[str, list[Choice]] = {}
    for name in sorted(dir(models)):
        obj = getattr(models, name)
        if isinstance(obj, type) and issubclass(obj, LabelledEnum) and obj is not LabelledEnum:
            out[obj.__name__] = [Choice(value=m.value, label=m.label) for m in obj]
    return EnumCatalogue(enums=out)
