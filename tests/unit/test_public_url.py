"""A production configuration whose public URL is missing or on loopback refuses to start (issue #11):
the 考核结果通知书 QR code and every link sent to users use PUBLIC_BASE_URL."""

from __future__ import annotations

import pytest

from server.config import ConfigError, Settings

PROD = {"ENV": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": "postgres://u@db/dkt", "REDIS_URL": "redis://r/0",
        "SMS_PROVIDER": "aliyun", "SMS_ACCESS_KEY_ID": "ak", "SMS_ACCESS_KEY_SECRET": "sk", "SMS_SIGN_NAME": "定考通",
        "SMS_TEMPLATES": '{"verify_code": "SMS_1"}'}


@pytest.mark.parametrize("url", ["", "http://127.0.0.1:8000", "http://localhost", "https://127.10.0.1", "http://[::1]:80",
                                 "ftp://dkt.example.gov.cn", "dkt.example.gov.cn"])
def test_production_refuses_a_missing_or_loopback_public_url(url):
    with pytest.raises(ConfigError) as exc:
        Settings(**PROD, PUBLIC_BASE_URL=url).check()
    assert "PUBLIC_BASE_URL" in str(exc.value)


def test_production_accepts_a_public_url_and_development_keeps_the_default():
    Settings(**PROD, PUBLIC_BASE_URL="https://dkt.example.gov.cn").check()
    Settings(ENV="development").check()  # the embedded default keeps http://127.0.0.1:8000
