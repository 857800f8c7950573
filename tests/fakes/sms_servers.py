"""Fake SMS provider APIs: real HTTP on 127.0.0.1, each speaking its provider's documented SendSms.

- ``FakeTencentSms`` (腾讯云短信 SendSms 2021-01-11): a JSON POST to / with ``X-TC-Action: SendSms``,
  ``X-TC-Version: 2021-01-11`` and a TC3-HMAC-SHA256 ``Authorization`` that it verifies with the
  test secret key (a wrong key → AuthFailure.SignatureFailure). Body: PhoneNumberSet (E.164),
  SmsSdkAppId, SignName, TemplateId, TemplateParamSet. Answers
  ``{"Response": {"SendStatusSet": [{"Code": "Ok", ...}], "RequestId": ...}}`` or
  ``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}``.
- ``FakeAliyunSms`` (阿里云短信 SendSms 2017-05-25): the action in ``x-acs-action`` (ACS3-signed
  request, the SDK's default) or an ``Action`` parameter (RPC style), parameters PhoneNumbers,
  SignName, TemplateCode, TemplateParam (JSON) in the query or the form body; it checks the
  access key id in the Authorization (or AccessKeyId) and verifies the ACS3-HMAC-SHA256 signature
  with the test secret (a wrong one → SignatureDoesNotMatch, HTTP 400). Answers
  ``{"Code": "OK", "Message": "OK", "BizId": ..., "RequestId": ...}`` or an error Code.

Both check the minimum a provider checks: the action, the phone number, the template id (known
templates only: unknown → the provider's bad-template error), the sign name, and that the
template's parameters are present. Knobs: ``fail_next`` (error codes to answer next, in order),
``status_code_next`` (Tencent: a per-number SendStatusSet code), ``http_status_next``,
``delay_next`` (seconds before answering).
``sent`` lists what was delivered: (phone, template id, params).

Fixtures: ``tencent_sms`` and ``aliyun_sms`` (session servers, reset per test).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

SECRET_ID = "AKIDtest0000fake"
SECRET_KEY = "test-sms-secret-key"
SDK_APP_ID = "1400000001"
SIGN_NAME = "定考通"


@dataclass
class Sent:
    phone: str
    template_id: str
    params: Any


class _FakeBase:
    name = "fake-sms"

    def __init__(self, templates: dict[str, int]) -> None:
        self.templates = dict(templates)  # template id -> number of parameters
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.sent: list[Sent] = []
            self.requests: list[dict[str, Any]] = []
            self.fail_next: list[tuple[str, str]] = []
            self.status_code_next: list[tuple[str, str]] = []
            self.http_status_next: list[int] = []
            self.delay_next: list[float] = []  # seconds to wait before answering (timeouts)

    def start(self) -> Any:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                pause = fake._next(fake.delay_next)
                if pause:
                    time.sleep(pause)
                status, answer = fake.answer(self.command, self.path, dict(self.headers.items()), body)
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                    pass

            do_GET = do_POST

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def _next(self, queue: list[Any]) -> Any:
        with self._lock:
            return queue.pop(0) if queue else None

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError


class FakeTencentSms(_FakeBase):
    name = "fake-tencent-sms"

    def _error(self, code: str, message: str) -> tuple[int, dict[str, Any]]:
        return 200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": secrets.token_hex(8)}}

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        h = {k.lower(): v for k, v in headers.items()}
        self.requests.append({"headers": h, "body": body})
        status = self._next(self.http_status_next)
        if status:
            return status, {"message": "bad gateway"}
        if method != "POST" or h.get("x-tc-action") != "SendSms" or h.get("x-tc-version") != "2021-01-11":
            return self._error("InvalidAction", "接口不存在")
        if not self._signature_ok(h, body):
            return self._error("AuthFailure.SignatureFailure", "请求签名验证失败")
        try:
            req = json.loads(body)
        except ValueError:
            return self._error("InvalidParameter", "请求体不是JSON")
        failure = self._next(self.fail_next)
        if failure:
            return self._error(*failure)
        if req.get("SmsSdkAppId") != SDK_APP_ID:
            return self._error("UnauthorizedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId 校验失败")
        if req.get("SignName") != SIGN_NAME:
            return self._error("FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批或格式错误")
        template = str(req.get("TemplateId") or "")
        if template not in self.templates:
            return self._error("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或内容不匹配")
        params = req.get("TemplateParamSet") or []
        if len(params) != self.templates[template] or not all(isinstance(p, str) and p for p in params):
            return self._error("FailedOperation.TemplateParamSetNotMatchApprovedTemplate", "请求内容与审核通过的模板内容不匹配")
        phones = req.get("PhoneNumberSet") or []
        if len(phones) != 1 or not str(phones[0]).startswith("+861") or len(str(phones[0])) != 14:
            return self._error("InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误")
        per_number = self._next(self.status_code_next)
        code, message = per_number or ("Ok", "send success")
        if code == "Ok":
            with self._lock:
                self.sent.append(Sent(phones[0], template, params))
        return 200, {"Response": {"SendStatusSet": [{
            "SerialNo": secrets.token_hex(8), "PhoneNumber": phones[0], "Fee": 1, "SessionContext": "",
            "Code": code, "Message": message, "IsoCode": "CN"}], "RequestId": secrets.token_hex(8)}}

    @staticmethod
    def _signature_ok(h: dict[str, str], body: bytes) -> bool:
        """TC3-HMAC-SHA256 as documented: canonical request → string to sign → derived key."""
        auth = h.get("authorization", "")
        if not auth.startswith("TC3-HMAC-SHA256 "):
            return False
        fields = dict(part.strip().split("=", 1) for part in auth[len("TC3-HMAC-SHA256 "):].split(","))
        secret_id, date, service, _ = fields.get("Credential", "").split("/")
        if secret_id != SECRET_ID or service != "sms":
            return False
        timestamp = h.get("x-tc-timestamp", "0")
        if datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d") != date:
            return False
        canonical = "\n".join(["POST", "/", "", f"content-type:{h.get('content-type')}\nhost:{h.get('host')}\n",
                               "content-type;host", hashlib.sha256(body).hexdigest()])
        to_sign = "\n".join(["TC3-HMAC-SHA256", timestamp, f"{date}/{service}/tc3_request",
                             hashlib.sha256(canonical.encode()).hexdigest()])

        def mac(key: bytes, msg: str) -> bytes:
            return hmac.new(key, msg.encode(), hashlib.sha256).digest()

        key = mac(mac(mac(("TC3" + SECRET_KEY).encode(), date), service), "tc3_request")
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, fields.get("Signature", ""))


class FakeAliyunSms(_FakeBase):
    name = "fake-aliyun-sms"

    def _error(self, code: str, message: str, status: int = 200) -> tuple[int, dict[str, Any]]:
        return status, {"Code": code, "Message": message, "RequestId": secrets.token_hex(8)}

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        h = {k.lower(): v for k, v in headers.items()}
        params = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        if body and "x-www-form-urlencoded" in h.get("content-type", ""):
            params.update({k: v[0] for k, v in parse_qs(body.decode()).items()})
        self.requests.append({"headers": h, "params": params})
        status = self._next(self.http_status_next)
        if status:
            return self._error("ServiceUnavailable", "服务暂不可用", status)
        action = h.get("x-acs-action") or params.get("Action")
        version = h.get("x-acs-version") or params.get("Version")
        if action != "SendSms" or version != "2017-05-25":
            return self._error("InvalidAction.NotFound", "接口不存在", 404)
        auth = h.get("authorization", "")
        if f"Credential={SECRET_ID}," not in auth and params.get("AccessKeyId") != SECRET_ID:
            return self._error("InvalidAccessKeyId.NotFound", "AccessKeyId 不存在", 404)
        if auth and not self._signature_ok(h, urlsplit(path).query, body):
            return self._error("SignatureDoesNotMatch", "签名不匹配", 400)
        failure = self._next(self.fail_next)
        if failure:
            return self._error(*failure)
        phone = params.get("PhoneNumbers", "")
        if not (phone.isdigit() and len(phone) == 11 and phone.startswith("1")):
            return self._error("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if params.get("SignName") != SIGN_NAME:
            return self._error("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        template = params.get("TemplateCode", "")
        if template not in self.templates:
            return self._error("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        try:
            values = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            return self._error("isv.INVALID_JSON_PARAM", "JSON参数不合法")
        if not isinstance(values, dict) or len(values) != self.templates[template] or not all(values.values()):
            return self._error("isv.TEMPLATE_MISSING_PARAMETERS", "模板变量缺少对应参数值")
        with self._lock:
            self.sent.append(Sent(phone, template, values))
        return 200, {"Code": "OK", "Message": "OK", "BizId": secrets.token_hex(10), "RequestId": secrets.token_hex(8)}


    @staticmethod
    def _signature_ok(h: dict[str, str], raw_query: str, body: bytes) -> bool:
        """ACS3-HMAC-SHA256 (V3 signature) as documented: canonical request of the method, path,
        sorted RFC 3986-encoded query, signed headers and the payload hash; HMAC with the secret."""
        auth = h.get("authorization", "")
        if not auth.startswith("ACS3-HMAC-SHA256 "):
            return False
        fields = dict(part.strip().split("=", 1) for part in auth[len("ACS3-HMAC-SHA256 "):].split(","))
        payload_hash = hashlib.sha256(body).hexdigest()
        if h.get("x-acs-content-sha256") != payload_hash:
            return False
        query = {k: v[0] for k, v in parse_qs(raw_query, keep_blank_values=True).items()}
        canonical_query = "&".join(f"{quote(k, safe='~')}={quote(query[k], safe='~')}" for k in sorted(query))
        signed = fields.get("SignedHeaders", "").split(";")
        if "host" not in signed or "x-acs-date" not in signed:
            return False
        canonical_headers = "".join(f"{name}:{h.get(name, '').strip()}\n" for name in signed)
        canonical = "\n".join(["POST", "/", canonical_query, canonical_headers, ";".join(signed), payload_hash])
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac.new(SECRET_KEY.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, fields.get("Signature", ""))


# templates each fake knows: id -> number of parameters
TENCENT_TEMPLATES = {"1000001": 1, "1000002": 1}  # verification code; notice ({1} = the title)
ALIYUN_TEMPLATES = {"SMS_100001": 1, "SMS_100002": 1}


@pytest.fixture(scope="session")
def tencent_sms_fake() -> Iterator[FakeTencentSms]:
    fake = FakeTencentSms(TENCENT_TEMPLATES).start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="session")
def aliyun_sms_fake() -> Iterator[FakeAliyunSms]:
    fake = FakeAliyunSms(ALIYUN_TEMPLATES).start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def tencent_sms(tencent_sms_fake: FakeTencentSms) -> Iterator[FakeTencentSms]:
    tencent_sms_fake.reset()
    yield tencent_sms_fake
    tencent_sms_fake.reset()


@pytest.fixture
def aliyun_sms(aliyun_sms_fake: FakeAliyunSms) -> Iterator[FakeAliyunSms]:
    aliyun_sms_fake.reset()
    yield aliyun_sms_fake
    aliyun_sms_fake.reset()
