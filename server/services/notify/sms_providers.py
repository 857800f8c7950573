"""Real SMS providers behind the gateway interface (``SmsSender``, delivery.py ``sms_gateway``):
腾讯云短信 (SendSms, API 2021-01-11, ``tencentcloud-sdk-python-sms``) and 阿里云短信 (SendSms, API
2017-05-25, ``alibabacloud-dysmsapi20170525``), chosen by SMS_PROVIDER (server/config.py).

- The SDKs are synchronous: each send runs in a thread (``asyncio.to_thread``), with the timeout
  SMS_TIMEOUT_SECONDS and no SDK-level retry (the outbox retries, with back-off: dispatch.py).
- SMS_ENDPOINT points an SDK at another host (the tests' fake providers on 127.0.0.1, over http).
- The template of a message kind comes from SMS_TEMPLATES; its variables are filled from the
  message (``{code}``, ``{title}``, ``{status_label}``...): a list for Tencent, an object for Alibaba.
- A provider error becomes ``SmsDeliveryError(code, message, retryable)``: throttling, balance,
  credentials, network and provider faults are retried; a bad template, sign name, phone number
  or parameters are refused at once (retrying cannot help). Tencent answers per number
  (SendStatusSet): a number whose Code is not "Ok" is an error like any other.
- Logs and errors carry the masked phone only; the provider's text is scrubbed of long digit runs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from server.config import Settings
from server.security import mask_phone
from server.services.notify.sms import CODE_TEMPLATE, SmsDeliveryError

log = logging.getLogger("server.sms_provider")

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_DIGITS = re.compile(r"\+?\d{7,}")

# (stable code, Chinese text, retryable) by the provider's error code: exact codes first, then prefixes
_TENCENT_EXACT: dict[str, tuple[str, str, bool]] = {
    "FailedOperation.SignatureIncorrectOrUnapproved": ("sms_bad_sign", "短信签名不正确或未审核通过", False),
    "FailedOperation.TemplateIncorrectOrUnapproved": ("sms_bad_template", "短信模板不正确或未审核通过", False),
    "FailedOperation.TemplateParamSetNotMatchApprovedTemplate": ("sms_bad_params", "模板变量与审核通过的模板不一致", False),
    "FailedOperation.TemplateUnapprovedOrNotExist": ("sms_bad_template", "短信模板未审核通过或不存在", False),
    "FailedOperation.PhoneNumberInBlacklist": ("sms_bad_phone", "手机号在免打扰名单中", False),
    "FailedOperation.InsufficientBalanceInSmsPackage": ("sms_balance", "短信套餐包余量不足", True),
    "FailedOperation.ContainSensitiveWord": ("sms_bad_params", "短信内容含敏感词", False),
    "InvalidParameterValue.IncorrectPhoneNumber": ("sms_bad_phone", "手机号格式不正确", False),
    "InvalidParameterValue.TemplateParameterFormatError": ("sms_bad_params", "模板变量格式不正确", False),
    "InvalidParameterValue.TemplateParameterLengthLimit": ("sms_bad_params", "模板变量超出长度限制", False),
    "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter": ("sms_bad_params", "模板变量中不允许出现链接", False),
    "RequestLimitExceeded": ("sms_throttled", "短信接口调用过于频繁", True),
    "ServerNetworkError": ("sms_unavailable", "短信服务暂不可用", True),
    "ClientNetworkError": ("sms_unavailable", "无法连接短信服务", True),
}
_TENCENT_PREFIX: tuple[tuple[str, tuple[str, str, bool]], ...] = (
    ("LimitExceeded.", ("sms_throttled", "短信发送频率超限", True)),
    ("AuthFailure.", ("sms_auth", "短信服务鉴权失败（请检查 SMS_ACCESS_KEY_ID/SECRET）", True)),
    ("UnauthorizedOperation.", ("sms_auth", "短信应用未授权（请检查 SMS_SDK_APP_ID）", True)),
    ("InternalError.", ("sms_unavailable", "短信服务内部错误", True)),
    ("FailedOperation.", ("sms_refused", "短信服务拒绝发送", False)),
    ("InvalidParameter", ("sms_bad_params", "短信参数不正确", False)),
    ("MissingParameter", ("sms_bad_params", "短信参数缺失", False)),
    ("UnsupportedOperation.", ("sms_refused", "短信服务不支持该操作", False)),
)
_ALIYUN_EXACT: dict[str, tuple[str, str, bool]] = {
    "isv.BUSINESS_LIMIT_CONTROL": ("sms_throttled", "短信发送频率超限", True),
    "isv.DAY_LIMIT_CONTROL": ("sms_throttled", "已达当日发送限额", True),
    "isv.MONTH_LIMIT_CONTROL": ("sms_throttled", "已达当月发送限额", True),
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL": ("sms_bad_sign", "短信签名与模板类型不一致", False),
    "isv.SIGN_STATE_ILLEGAL": ("sms_bad_sign", "短信签名状态不可用", False),
    "isv.PARAM_NOT_SUPPORT_URL": ("sms_bad_params", "模板变量中不允许出现链接", False),
    "isv.SMS_SIGNATURE_ILLEGAL": ("sms_bad_sign", "短信签名不正确或未审核通过", False),
    "isv.SIGN_NAME_ILLEGAL": ("sms_bad_sign", "短信签名不正确", False),
    "isv.SMS_SIGN_ILLEGAL": ("sms_bad_sign", "短信签名不正确", False),
    "isv.SMS_TEMPLATE_ILLEGAL": ("sms_bad_template", "短信模板不正确或未审核通过", False),
    "isv.TEMPLATE_MISSING_PARAMETERS": ("sms_bad_params", "模板变量缺失", False),
    "isv.TEMPLATE_PARAMS_ILLEGAL": ("sms_bad_params", "模板变量不正确", False),
    "isv.PARAM_LENGTH_LIMIT": ("sms_bad_params", "模板变量超出长度限制", False),
    "isv.INVALID_JSON_PARAM": ("sms_bad_params", "模板变量格式不正确", False),
    "isv.MOBILE_NUMBER_ILLEGAL": ("sms_bad_phone", "手机号格式不正确", False),
    "isv.BLACK_KEY_CONTROL_LIMIT": ("sms_bad_params", "短信内容含禁止的关键字", False),
    "isv.AMOUNT_NOT_ENOUGH": ("sms_balance", "账户余额不足", True),
    "isv.OUT_OF_SERVICE": ("sms_balance", "账户已停机（欠费）", True),
    "Throttling": ("sms_throttled", "短信接口调用过于频繁", True),
    "Throttling.User": ("sms_throttled", "短信接口调用过于频繁", True),
}
_ALIYUN_PREFIX: tuple[tuple[str, tuple[str, str, bool]], ...] = (
    ("isp.", ("sms_unavailable", "短信服务内部错误", True)),
    ("Throttling", ("sms_throttled", "短信接口调用过于频繁", True)),
    ("InvalidAccessKeyId", ("sms_auth", "短信服务鉴权失败（请检查 SMS_ACCESS_KEY_ID/SECRET）", True)),
    ("SignatureDoesNotMatch", ("sms_auth", "短信服务鉴权失败（请检查 SMS_ACCESS_KEY_SECRET）", True)),
    ("Forbidden", ("sms_auth", "短信服务未授权", True)),
    ("isv.", ("sms_refused", "短信服务拒绝发送", False)),
)


_LABELS = {"tencent": "腾讯云短信", "aliyun": "阿里云短信"}


class ProviderError(SmsDeliveryError):
    """What a provider answered instead of sending: its own code and message, and our reading of it.
    ``message`` never holds the phone number (long digit runs are masked)."""

    def __init__(self, provider: str, provider_code: str, provider_message: str, *, code: str, text: str,
                 retryable: bool) -> None:
        self.provider = provider
        self.provider_code = provider_code
        detail = scrub(provider_message)[:120]
        super().__init__(f"{text}（{provider_code}{'：' + detail if detail else ''}）", retryable=retryable, code=code,
                         label=_LABELS.get(provider, provider))


def scrub(text: str) -> str:
    """A provider's text without phone numbers (any run of 7+ digits is masked)."""
    return _DIGITS.sub(lambda m: mask_phone(m.group(0)[-11:]), str(text or ""))


def classify(provider: str, provider_code: str, provider_message: str) -> ProviderError:
    exact, prefixes = (_TENCENT_EXACT, _TENCENT_PREFIX) if provider == "tencent" else (_ALIYUN_EXACT, _ALIYUN_PREFIX)
    reading = exact.get(provider_code)
    if reading is None:
        reading = next((r for p, r in prefixes if provider_code.startswith(p)),
                       ("sms_provider_error", "短信服务返回错误", True))
    code, text, retryable = reading
    return ProviderError(provider, provider_code, provider_message, code=code, text=text, retryable=retryable)


# --- templates ----------------------------------------------------------------------------
@dataclass(frozen=True)
class SmsTemplate:
    template_id: str
    params: list[str] | dict[str, str]


def template_for(raw: str, kind: str, *, provider: str) -> SmsTemplate | None:
    """The configured template of ``kind`` (SMS_TEMPLATES; "*" for notices without their own),
    with the variables' default when not configured."""
    table = json.loads(raw) if raw.strip() else {}
    entry = table.get(kind) if kind == CODE_TEMPLATE else table.get(kind) or table.get("*")
    if not entry:
        return None
    if isinstance(entry, str):
        entry = {"template_id": entry}
    if not entry.get("template_id"):
        return None
    params = entry.get("params")
    if params is None:
        first = "{code}" if kind == CODE_TEMPLATE else "{title}"
        params = [first] if provider == "tencent" else {first.strip("{}"): first}
    return SmsTemplate(str(entry["template_id"]), params)


def fill(spec: str, values: dict[str, Any]) -> str:
    def value_of(m: re.Match[str]) -> str:
        v = values.get(m.group(1))
        return "" if v is None else str(v)

    return _PLACEHOLDER.sub(value_of, str(spec))


def render_params(tpl: SmsTemplate, values: dict[str, Any]) -> list[str] | dict[str, str]:
    if isinstance(tpl.params, dict):
        return {k: fill(v, values) for k, v in tpl.params.items()}
    return [fill(v, values) for v in tpl.params]


class TemplateNotConfigured(SmsDeliveryError):
    """No SMS_TEMPLATES entry for this kind: refused (a retry cannot help until it is configured)."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"未配置短信模板：{kind}", retryable=False, code="sms_template_not_configured",
                         label="短信")


# --- endpoint -----------------------------------------------------------------------------
def split_endpoint(raw: str) -> tuple[str, str] | None:
    """SMS_ENDPOINT as (protocol, host[:port]): "http://127.0.0.1:9000" or a bare "host" (https)."""
    raw = raw.strip()
    if not raw:
        return None
    if "://" in raw:
        parts = urlsplit(raw)
        return parts.scheme, parts.netloc
    return "https", raw


# --- the providers ------------------------------------------------------------------------
class _ProviderGateway:
    name = ""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.endpoint = split_endpoint(settings.SMS_ENDPOINT)

    async def send(self, phone: str, template: str, params: dict[str, Any], *, recipient_id: int | None = None) -> None:
        tpl = template_for(self.settings.SMS_TEMPLATES, template, provider=self.name)
        if tpl is None:
            raise TemplateNotConfigured(template)
        values = render_params(tpl, params)
        try:
            request_id = await asyncio.to_thread(self._send_sync, phone, tpl.template_id, values)
        except ProviderError as exc:
            log.info("sms %s refused template=%s phone=%s: %s", self.name, template, mask_phone(phone), exc.message)
            raise
        log.info("sms %s sent template=%s phone=%s request=%s", self.name, template, mask_phone(phone), request_id)

    def _send_sync(self, phone: str, template_id: str, values: list[str] | dict[str, str]) -> str:
        raise NotImplementedError


class TencentSmsGateway(_ProviderGateway):
    """腾讯云短信 SendSms (2021-01-11): TC3-HMAC-SHA256 signed JSON POST to sms.tencentcloudapi.com."""

    name = "tencent"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        # the SDK is imported only where this provider is configured (it pulls in requests)
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        http = HttpProfile(reqTimeout=max(1, settings.SMS_TIMEOUT_SECONDS))
        if self.endpoint:
            http.protocol = http.scheme = self.endpoint[0]
            http.endpoint = self.endpoint[1]
        cred = credential.Credential(settings.SMS_ACCESS_KEY_ID, settings.SMS_ACCESS_KEY_SECRET)
        self.client = sms_client.SmsClient(cred, settings.SMS_REGION or "ap-guangzhou",
                                           ClientProfile(httpProfile=http))

    def _send_sync(self, phone: str, template_id: str, values: list[str] | dict[str, str]) -> str:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111 import models

        req = models.SendSmsRequest()
        req.PhoneNumberSet = [phone if phone.startswith("+") else "+86" + phone]
        req.SmsSdkAppId = self.settings.SMS_SDK_APP_ID
        req.SignName = self.settings.SMS_SIGN_NAME
        req.TemplateId = template_id
        req.TemplateParamSet = list(values.values()) if isinstance(values, dict) else list(values)
        try:
            resp = self.client.SendSms(req)
        except TencentCloudSDKException as exc:
            raise classify(self.name, exc.get_code() or "ServerNetworkError", exc.get_message() or "") from None
        except Exception as exc:  # requests' connection errors and the like
            raise classify(self.name, "ClientNetworkError", type(exc).__name__) from None
        statuses = resp.SendStatusSet or []
        if not statuses:
            raise classify(self.name, "InternalError.EmptyResponse", "SendStatusSet 为空")
        status = statuses[0]
        if (status.Code or "").lower() != "ok":
            raise classify(self.name, status.Code or "", status.Message or "")
        return str(resp.RequestId or "")


class AliyunSmsGateway(_ProviderGateway):
    """阿里云短信 SendSms (2017-05-25): PhoneNumbers, SignName, TemplateCode, TemplateParam (JSON)."""

    name = "aliyun"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        # the SDK is imported only where this provider is configured (it pulls in aiohttp, requests)
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        timeout_ms = max(1, settings.SMS_TIMEOUT_SECONDS) * 1000
        config = Config(access_key_id=settings.SMS_ACCESS_KEY_ID, access_key_secret=settings.SMS_ACCESS_KEY_SECRET,
                        region_id=settings.SMS_REGION or "cn-hangzhou", read_timeout=timeout_ms,
                        connect_timeout=timeout_ms, endpoint="dysmsapi.aliyuncs.com")
        if self.endpoint:
            config.protocol, config.endpoint = self.endpoint
        self.client = Client(config)

    def _send_sync(self, phone: str, template_id: str, values: list[str] | dict[str, str]) -> str:
        from alibabacloud_dysmsapi20170525 import models
        from alibabacloud_tea_openapi.exceptions import AlibabaCloudException

        named = values if isinstance(values, dict) else {f"p{i + 1}": v for i, v in enumerate(values)}
        req = models.SendSmsRequest(phone_numbers=phone.removeprefix("+86"), sign_name=self.settings.SMS_SIGN_NAME,
                                    template_code=template_id, template_param=json.dumps(named, ensure_ascii=False))
        try:
            resp = self.client.send_sms(req)
        except AlibabaCloudException as exc:
            raise classify(self.name, str(exc.code or "isp.SYSTEM_ERROR"), str(exc.message or "")) from None
        except Exception as exc:  # connection errors, timeouts
            raise classify(self.name, "isp.NETWORK_ERROR", type(exc).__name__) from None
        body = resp.body
        if body is None or (body.code or "") != "OK":
            raise classify(self.name, (body.code if body else None) or "isp.SYSTEM_ERROR",
                           (body.message if body else "") or "")
        return str(body.request_id or "")


PROVIDERS: dict[str, type[_ProviderGateway]] = {"tencent": TencentSmsGateway, "aliyun": AliyunSmsGateway}


def provider_gateway(settings: Settings) -> _ProviderGateway | None:
    """The gateway of SMS_PROVIDER, or None for "log" (the log-only gateway)."""
    cls = PROVIDERS.get(settings.SMS_PROVIDER)
    return cls(settings) if cls else None
