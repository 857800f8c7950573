"""Request bodies of the reviewers' assessment actions (SPEC §4; seed manuals 2.2.3-2.2.7, 2.2.10).

Every action of the state machine that a console user may press has a body model here
(``ACTION_BODIES``); the generic endpoint validates the body with the model of the action
named in the path. ``reason`` is optional in every model: whether the move needs one is
the state machine's rule (``Transition.needs_reason``), refused by the workflow with the
stable code ``reason_required``. ``version`` (optional) is the ``version`` the client saw:
when given and the record has moved on since, the move is refused with ``stale_version``.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from server.errors import NotFound, ValidationFailed
from server.models import ItemResult
from server.services.assessment import flow

MAX_BATCH = 1000
STAFF_ROLES = {flow.HI, flow.AI, flow.ADMIN}


class ActionBody(BaseModel):
    """Any action: an optional reason (required by the workflow for 驳回 moves)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=500, description="理由（驳回时必填）")
    version: int | None = Field(default=None, ge=0, description="页面加载时记录的版本号（可选，防止重复处理）")


class OtherSiteOpinion(BaseModel):
    """多机构执业 新增意见: the opinion of another practice site on this physician."""

    model_config = ConfigDict(extra="forbid")

    org_name: str = Field(min_length=1, max_length=128, description="其他执业机构名称")
    opinion: str = Field(min_length=1, max_length=1000, description="评定意见")


class ItemEvaluation(BaseModel):
    """One item of the province's 考核内容: 合格/不合格, a reason when 不合格."""

    result: ItemResult = Field(description="pass 合格 / fail 不合格")
    reason: str = Field(default="", max_length=500, description="不合格理由")

    @model_validator(mode="after")
    def _reason(self) -> ItemEvaluation:
        if self.result == ItemResult.FAIL and not self.reason.strip():
            raise ValueError("评定为不合格的考核内容须填写理由")
        return self


class EvaluationBody(ActionBody):
    """评定工作成绩、职业道德 → 提交: both items marked 合格/不合格, the institution's opinion; optionally
    each item of the province's 考核内容 (then a group is 不合格 exactly when one of its items is)."""

    work_result: ItemResult = Field(description="工作成绩：pass 合格 / fail 不合格")
    ethics_result: ItemResult = Field(description="职业道德：pass 合格 / fail 不合格")
    opinion: str = Field(default="", max_length=2000, description="卫生机构评定意见")
    other_site_opinions: list[OtherSiteOpinion] = Field(default_factory=list, max_length=20)
    items: dict[Literal["work_performance", "ethics"], list[ItemEvaluation]] | None = Field(
        default=None, description="逐项评定（与本周期考核内容一一对应）")

    @model_validator(mode="after")
    def _consistent(self) -> EvaluationBody:
        for group, overall, label in (("work_performance", self.work_result, "工作成绩"),
                                      ("ethics", self.ethics_result, "职业道德")):
            entries = (self.items or {}).get(group)
            if entries:
                failed = any(e.result == ItemResult.FAIL for e in entries)
                if failed != (overall == ItemResult.FAIL):
                    raise ValueError(f"{label}的评定结果应与逐项评定一致（任一项不合格即为不合格）")
        return self


class ReviewSubmitBody(ActionBody):
    """复核 → 提交 (agree with the institution's evaluation)."""

    opinion: str = Field(default="", max_length=2000, description="考核机构复核意见")


class ReviewRejectBody(ActionBody):
    """复核 → 驳回: 同意/不同意 per item (at least one 不同意) and a reason."""

    work_agree: bool = Field(description="工作成绩：true 同意 / false 不同意")
    ethics_agree: bool = Field(description="职业道德：true 同意 / false 不同意")

    @model_validator(mode="after")
    def _one_disagrees(self) -> ReviewRejectBody:
        if self.work_agree and self.ethics_agree:
            raise ValueError("驳回时工作成绩、职业道德至少一项应选择“不同意”")
        return self


class ReexamConfirmBody(ActionBody):
    """确认再次考核名单 (province only): the suspension recorded for the physician (暂停执业3至6个月)."""

    suspension_months: int = Field(default=3, ge=3, le=6, description="暂停执业月数（3-6，默认3）")
    suspended_from: date | None = Field(default=None, description="暂停执业起始日期（默认当天）")


class BatchBody(BaseModel):
    """批量通过 / 批量提交: the ids of the assessments ticked in the list."""

    model_config = ConfigDict(extra="forbid")

    ids: list[int] = Field(min_length=1, max_length=MAX_BATCH, description="考核记录 ids")
    reason: str = Field(default="", max_length=500)


class PhysicianIds(BaseModel):
    """参加考核 / 取消参加考核 (批量): the physicians ticked in 医师信息列表."""

    model_config = ConfigDict(extra="forbid")

    physician_ids: list[int] = Field(min_length=1, max_length=MAX_BATCH, description="医师 ids")


ACTION_BODIES: dict[str, type[ActionBody]] = {
    t.action: ActionBody for t in flow.TRANSITIONS if t.roles & STAFF_ROLES
}
ACTION_BODIES.update(
    hi_submit_evaluation=EvaluationBody,
    ai_submit_review=ReviewSubmitBody,
    ai_reject_review=ReviewRejectBody,
    admin_confirm_reexam=ReexamConfirmBody,
)


def _problems(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("type", "invalid"),
         "message": str(e.get("msg", "")).removeprefix("Value error, ")}
        for e in exc.errors()
    ]


def parse_action_body(action: str, raw: Any) -> ActionBody:
    """The body of `action`, validated with its model (422 with field problems otherwise).

    An action no console user can make (unknown, or the physician's own) gets the plain
    body: the state machine then refuses it with the right reason (wrong role)."""
    if action not in flow.BY_ACTION:
        raise NotFound("未知操作", code="unknown_action")
    model = ACTION_BODIES.get(action, ActionBody)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationFailed("请求内容必须是JSON对象", code="invalid_input")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        details = _problems(exc)
        raise ValidationFailed(_message(details), code="invalid_input", details=details) from None


FIELD_LABELS = {"work_result": "工作成绩", "ethics_result": "职业道德", "work_agree": "工作成绩（同意/不同意）",
                "ethics_agree": "职业道德（同意/不同意）", "opinion": "意见", "reason": "理由",
                "other_site_opinions": "其他执业机构意见", "version": "版本号",
                "suspension_months": "暂停执业月数", "suspended_from": "暂停执业起始日期"}


def _message(details: list[dict[str, str]]) -> str:
    """The first Chinese validator message; else the missing or invalid fields by their Chinese names."""
    for d in details:
        if any("\u4e00" <= c <= "\u9fff" for c in d["message"]):
            return d["message"]
    names = "、".join(dict.fromkeys(FIELD_LABELS.get(d["field"].split(".")[0], d["field"]) for d in details))
    if all(d["problem"] == "missing" for d in details):
        return f"请填写：{names}"
    return f"输入内容有误：{names}"
