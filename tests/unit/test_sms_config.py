"""SMS provider configuration (issue #11 "SMS for real"): production refuses the log-only gateway,
a real provider refuses to start without what it needs, the templates' shape is checked, and the
variables of a message kind's template are filled from the message."""

from __future__ import annotations

import pytest

from server.config import ConfigError, Settings
from server.services.notify.sms_providers import (
    SmsTemplate,
    classify,
    render_params,
    split_endpoint,
    template_for,
)

PROD = {"ENV": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": "postgres://u@db/dkt", "REDIS_URL": "redis://r/0",
        "PUBLIC_BASE_URL": "https://dkt.example.gov.cn"}
TENCENT = {"SMS_PROVIDER": "tencent", "SMS_ACCESS_KEY_ID": "AKID", "SMS_ACCESS_KEY_SECRET": "key",
           "SMS_SIGN_NAME": "定考通", "SMS_SDK_APP_ID": "1400000001", "SMS_TEMPLATES": '{"verify_code": "1000001"}'}


def test_production_without_a_real_sms_provider_refuses_to_start():
    with pytest.raises(ConfigError) as exc:
        Settings(**PROD).check()
    assert "SMS_PROVIDER" in str(exc.value) and "tencent or aliyun" in str(exc.value)
    Settings(**PROD, **TENCENT).check()
    Settings(ENV="development").check()  # the embedded default keeps the log-only gateway
    Settings(ENV="test").check()


def test_start_up_from_the_environment_refuses_production_without_sms(monkeypatch):
    """What `python -m server` does: Settings.from_env() checks the environment before anything starts."""
    for name, value in PROD.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="SMS_PROVIDER"):
        Settings.from_env()
    for name, value in TENCENT.items():
        monkeypatch.setenv(name, value)
    assert Settings.from_env().SMS_PROVIDER == "tencent"


@pytest.mark.parametrize("missing", ["SMS_ACCESS_KEY_ID", "SMS_ACCESS_KEY_SECRET", "SMS_SIGN_NAME", "SMS_SDK_APP_ID"])
def test_a_real_provider_needs_its_credentials(missing):
    with pytest.raises(ConfigError) as exc:
        Settings(**{**TENCENT, missing: ""}).check()
    assert missing in str(exc.value)


def test_a_real_provider_needs_the_code_template_and_a_known_name():
    with pytest.raises(ConfigError, match="verify_code"):
        Settings(**{**TENCENT, "SMS_TEMPLATES": '{"*": "1000002"}'}).check()
    with pytest.raises(ConfigError, match="SMS_PROVIDER must be"):
        Settings(SMS_PROVIDER="twilio").check()
    with pytest.raises(ConfigError, match="SMS_TEMPLATES"):
        Settings(SMS_TEMPLATES='{"verify_code": 12}').check()
    with pytest.raises(ConfigError, match="SMS_TEMPLATES"):
        Settings(SMS_TEMPLATES="not json").check()
    # Alibaba has no SDK app id
    Settings(**{**TENCENT, "SMS_PROVIDER": "aliyun", "SMS_SDK_APP_ID": ""}).check()


def test_templates_per_kind_with_defaults():
    raw = '{"verify_code": "1", "ai_confirm_results": {"template_id": "2", "params": ["{title}", "{status_label}"]}, "*": "3"}'
    assert template_for(raw, "verify_code", provider="tencent") == SmsTemplate("1", ["{code}"])
    assert template_for(raw, "verify_code", provider="aliyun") == SmsTemplate("1", {"code": "{code}"})
    assert template_for(raw, "ai_confirm_results", provider="tencent").params == ["{title}", "{status_label}"]
    assert template_for(raw, "include", provider="tencent") == SmsTemplate("3", ["{title}"])
    assert template_for('{"*": "3"}', "verify_code", provider="tencent") is None  # a code never takes "*"
    assert template_for("", "include", provider="aliyun") is None
    tpl = SmsTemplate("2", ["{title}", "{status_label}", "{unknown}"])
    assert render_params(tpl, {"title": "考核结果：合格", "status_label": "合格"}) == ["考核结果：合格", "合格", ""]


def test_endpoint_override():
    assert split_endpoint("") is None
    assert split_endpoint("http://127.0.0.1:9000") == ("http", "127.0.0.1:9000")
    assert split_endpoint("sms.internal.example") == ("https", "sms.internal.example")


@pytest.mark.parametrize(("provider", "code", "stable", "retryable"), [
    ("tencent", "LimitExceeded.PhoneNumberOneHourLimit", "sms_throttled", True),
    ("tencent", "RequestLimitExceeded", "sms_throttled", True),
    ("tencent", "FailedOperation.TemplateIncorrectOrUnapproved", "sms_bad_template", False),
    ("tencent", "FailedOperation.SignatureIncorrectOrUnapproved", "sms_bad_sign", False),
    ("tencent", "InvalidParameterValue.IncorrectPhoneNumber", "sms_bad_phone", False),
    ("tencent", "InternalError.Timeout", "sms_unavailable", True),
    ("tencent", "AuthFailure.SecretIdNotFound", "sms_auth", True),
    ("aliyun", "isv.BUSINESS_LIMIT_CONTROL", "sms_throttled", True),
    ("aliyun", "isv.SMS_TEMPLATE_ILLEGAL", "sms_bad_template", False),
    ("aliyun", "isv.SMS_SIGNATURE_ILLEGAL", "sms_bad_sign", False),
    ("aliyun", "isv.MOBILE_NUMBER_ILLEGAL", "sms_bad_phone", False),
    ("aliyun", "isp.SYSTEM_ERROR", "sms_unavailable", True),
    ("aliyun", "isv.SOMETHING_NEW", "sms_refused", False),
])
def test_provider_errors_read_as_transient_or_permanent(provider, code, stable, retryable):
    err = classify(provider, code, "号码 13812345678 / +8613812345678 有误")
    assert (err.code, err.retryable) == (stable, retryable)
    assert code in err.message and "13812345678" not in err.message and "138****5678" in err.message
