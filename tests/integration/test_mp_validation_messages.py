"""No validation message of the mini-program API names an English identifier (issue #11): every
operation under /api/v1/mp/ (from the app's router) gets an empty body, a non-object body, unknown
fields, every declared field with a wrong type, and wrong query arguments; every 422 message and
every details message must be Chinese without an ASCII identifier (JPG/PNG-style acronyms allowed)."""

from __future__ import annotations

import re
from typing import Any

from server.routes.api import api_spec
from server.schemas.enrolment import STEPS
from tests.factories import auth, physician_token
from tests.integration.mp_support import setup

PREFIX = "/api/v1/mp/"
IDENTIFIER = re.compile(r"[A-Za-z_]{3,}")
ACRONYMS = {"JPG", "JPEG", "PNG", "PDF", "JSON", "URL", "IP"}
WRONG = ({"x": [1]}, [{"x": 1}], "zz", -1, 1.5, True)


def _identifiers(text: str) -> list[str]:
    return [w for w in IDENTIFIER.findall(text or "") if w not in ACRONYMS]


def _paths(path: str) -> list[str]:
    """Concrete paths for a Sanic route path (every enrolment step for <step>)."""
    out = ["/" + path.lstrip("/")]
    for name, kind in re.findall(r"<(\w+)(?::(\w+))?>", path):
        token = f"<{name}:{kind}>" if kind else f"<{name}>"
        values = list(STEPS) if name == "step" else (
            ["00000000-0000-0000-0000-000000000001"] if kind == "uuid" else ["1"])
        out = [p.replace(token, v) for p in out for v in values]
    return out


def _fields(route: Any) -> tuple[list[str], list[str]]:
    spec = api_spec(route.handler)
    body = list(spec.body.model_fields) if spec and spec.body else []
    query = list(spec.query.model_fields) if spec and spec.query else []
    # routes validated by sanic-ext's @validate: every field of the mini-program exam bodies
    from server.schemas import exams_mp
    for model in (exams_mp.AnswerSave, exams_mp.AnswerBatch, exams_mp.FaceConsentBody):
        body += [f for f in model.model_fields if f not in body]
    return body, query


def _bodies(fields: list[str]) -> list[Any]:
    out: list[Any] = [None, {}, [1, 2], "text", {"zz_unknown_field": 1, "another_one": "x"}]
    for wrong in WRONG:
        if fields:
            out.append({f: wrong for f in fields})
    out.append({"practice_conduct": {"x": 1}, "procedure": "simple", "conditions": ["a"], "proof_ids": ["nope"],
                "department_id": "abc", "birth_date": "yesterday", "email": 5})
    return out


async def test_no_mp_validation_message_names_an_identifier(app, client):
    s = await setup()
    routes = [r for r in app.router.routes if ("/" + r.path.lstrip("/")).startswith(PREFIX)
              and not (r.methods <= {"HEAD", "OPTIONS"})]
    assert len(routes) > 30
    bad: list[str] = []
    seen = 0
    for route in routes:
        body_fields, query_fields = _fields(route)
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            for path in _paths(route.path):
                queries = [{}, {"zz_unknown": "1"}, {f: "zz~" for f in query_fields} | {"page": "x", "size": "-5"}]
                bodies = _bodies(body_fields) if method in ("POST", "PUT", "PATCH", "DELETE") else [None]
                for query in queries:
                    for body in bodies:
                        token = await physician_token(s.physician)  # a fresh session: logout may end one
                        kwargs: dict[str, Any] = {"headers": auth(token), "params": query}
                        if body is not None:
                            kwargs["json"] = body
                        r = await client.request(method, path, **kwargs)
                        if r.status_code != 422:
                            continue
                        seen += 1
                        answer = r.json()
                        messages = [answer.get("message", "")]
                        details = answer.get("details")
                        if isinstance(details, list):
                            messages += [d["message"] for d in details if isinstance(d, dict) and "message" in d]
                        for m in messages:
                            if not m or _identifiers(m):
                                bad.append(f"{method} {route.path}: {m!r}")
    assert seen > 50, seen
    assert not bad, "\n".join(sorted(set(bad))[:40])
    # both paths are exercised and name the field in Chinese: sanic-ext's @validate and @endpoint
    headers = auth(await physician_token(s.physician))
    r = await client.put("/api/v1/mp/attempts/1/answers/1", headers=headers, json={"answer": "A", "seq": "x"})
    assert r.status_code == 422 and r.json()["message"] in ("所选选项必须是列表", "客户端递增序号必须是整数"), r.text
    r = await client.post("/api/v1/mp/exams/info/confirm", headers=headers, json={"assessment_id": "x"})
    assert r.status_code == 422 and r.json()["message"] == "考核编号必须是整数", r.text
