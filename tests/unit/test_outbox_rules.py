"""Pure rules of notification delivery: backoff, template data, WeChat errors → retry or refuse,
the template settings' check."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.config import ConfigError, Settings
from server.services.notify import delivery, dispatch
from server.wechat.errors import error_for


def test_backoff_is_exponential_capped_and_jittered():
    assert [dispatch.backoff_seconds(n, base=30, cap=3600, jitter=1.0) for n in (1, 2, 3, 8, 20)] == [
        30, 60, 120, 3600, 3600]
    assert dispatch.backoff_seconds(3, base=30, cap=3600, jitter=0.0) == 60
    spread = {round(dispatch.backoff_seconds(4, base=30, cap=3600), 3) for _ in range(20)}
    assert len(spread) > 1 and all(120 <= s <= 240 for s in spread)


def test_render_data_fills_placeholders_and_fits_wechat_limits():
    spec = {"thing1": "{title}", "phrase2": "{status_label}", "time3": "{time}", "thing4": "{missing}",
            "character_string5": "编号{assessment_id}"}
    data = delivery.render_data(spec, {"title": "一" * 25, "status_label": "待卫生机构审核", "assessment_id": 42},
                                now=datetime(2026, 3, 1, 2, 30, tzinfo=UTC))
    assert data == {"thing1": {"value": "一" * 19 + "…"}, "phrase2": {"value": "待卫生机构"},
                    "time3": {"value": "2026-03-01 10:30"}, "thing4": {"value": ""},
                    "character_string5": {"value": "编号42"}}
    # no attribute access or indexing through placeholders
    assert delivery.render_data({"thing1": "{title.__class__}"}, {"title": "x"}) == {
        "thing1": {"value": "{title.__class__}"}}


def test_template_lookup_with_catch_all_and_shorthand():
    raw = '{"include": {"template_id": "A", "data": {"thing1": "{title}"}}, "*": "B"}'
    assert delivery.template_for(raw, "include")["template_id"] == "A"
    other = delivery.template_for(raw, "hi_reject_enrolment")
    assert other == {"template_id": "B", "data": {"thing1": "{title}", "thing2": "{body}"}}
    assert delivery.template_for("", "include") is None
    assert delivery.template_for('{"include": "A"}', "other") is None


@pytest.mark.parametrize(("errcode", "retry"), [
    (-1, True), (45009, True), (45011, True), (40001, True), (40164, True),
    (43101, False), (40003, False), (40037, False), (47003, False), (43004, False), (99999, False),
])
def test_wechat_errors_are_retried_or_refused(errcode, retry):
    outcome = delivery.from_wechat(error_for(errcode, "msg"))
    assert outcome.retryable is retry and outcome.reason.startswith(f"[wechat_{errcode}] ")


@pytest.mark.parametrize("raw", ["{", "[]", '{"x": 1}', '{"x": {"data": {}}}'])
def test_bad_template_settings_refuse_to_start(raw):
    with pytest.raises(ConfigError):
        Settings(WECHAT_SUBSCRIBE_TEMPLATES=raw).check()
    Settings(WECHAT_OA_TEMPLATES='{"*": "TPL", "pending_review": {"template_id": "T2"}}').check()
