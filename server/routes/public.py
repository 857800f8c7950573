"""The public verification page of a 考核结果通知书 (SPEC §8: "a QR code whose link verifies the
notice publicly"): GET /verify/<token>, no login.

HTML by default (what a phone opens from the QR code); JSON with ``?format=json`` or
``Accept: application/json``. Only the number, masked name and ID number, result, cycle,
issuing organisation and date; an unknown token is 404. Rate-limited per client IP
(VERIFY_RATE_PER_MINUTE), cacheable for a few minutes, not indexed by search engines."""

from __future__ import annotations

from html import escape
from typing import Any

from sanic import Blueprint, HTTPResponse
from sanic.request import Request

from server.errors import DomainError
from server.routes.render import ok
from server.services.results import certificates

bp = Blueprint("public_verify")
HEADERS = {"cache-control": "public, max-age=300", "x-robots-tag": "noindex, nofollow",
           "referrer-policy": "no-referrer"}
ROWS = (("number", "通知书编号"), ("name", "姓名"), ("id_number", "证件号码"), ("result", "考核结果"),
        ("cycle", "考核周期"), ("issuer", "发证机关"), ("issued_on", "发证日期"))


def _wants_json(request: Request) -> bool:
    if request.args.get("format") == "json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _page(title: str, body: str, status: int = 200) -> HTTPResponse:
    html = ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>{escape(title)}</title><style>body{{font-family:sans-serif;max-width:32em;margin:2em auto;"
            "padding:0 1em}}th{{text-align:left;padding-right:1em;color:#555}}td,th{{padding:.3em 0}}"
            f".ok{{color:#1a7f37}}.bad{{color:#b42318}}</style></head><body>{body}</body></html>")
    headers = dict(HEADERS) if status == 200 else {"cache-control": "no-store", "x-robots-tag": "noindex"}
    return HTTPResponse(html, status=status, content_type="text/html; charset=utf-8", headers=headers)


def _html(data: dict[str, Any]) -> HTTPResponse:
    css = "ok" if data["valid"] else "bad"
    rows = "".join(f"<tr><th>{label}</th><td>{escape(str(data[key]))}</td></tr>" for key, label in ROWS
                   if key in data)
    body = (f"<h1>医师定期考核结果通知书核验</h1><p class=\"{css}\">{escape(data['message'])}</p>"
            f"<table>{rows}</table>")
    return _page("考核结果通知书核验", body)


@bp.get("/verify/<token:str>")
async def verify(request: Request, token: str):
    """核验: the notice's masked data, or 404."""
    try:
        data = await certificates.verify(token=token, ip=request.client_ip or request.ip)
    except DomainError as exc:
        if _wants_json(request):
            raise
        return _page("考核结果通知书核验", f"<h1>医师定期考核结果通知书核验</h1><p class=\"bad\">{escape(exc.message)}</p>",
                     status=exc.status)
    if _wants_json(request):
        response = ok(data)
        response.headers.update(HEADERS)
        return response
    return _html(data)
