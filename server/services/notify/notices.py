"""Notifications written in the transaction of the event that causes them (SPEC §7).

Physicians get a 站内消息 (written straight into their inbox), and a WeChat subscribe
message and an SMS queued in the outbox; the dispatcher delivers those and retries.
Administrators get 公众号模板消息 through ``staff_message`` (outbox channel wechat_template).
"""

from __future__ import annotations

from typing import Any

from server.models import AccountStatus, Assessment, InboxMessage, OutboxMessage, StaffAccount
from server.services.notify import dispatch

# action -> (title, body template). Only moves the physician should hear about.
PHYSICIAN_MESSAGES: dict[str, tuple[str, str]] = {
    "include": ("已开通报名", "您所在机构已将您纳入本周期定期考核，请及时完成报名。"),
    "hi_approve_enrolment": ("报名信息已通过卫生机构审核", "您的报名信息已通过卫生机构审核，待考核机构确认。"),
    "hi_reject_enrolment": ("报名信息被驳回", "您的报名信息被卫生机构驳回，请修改后重新提交。驳回理由：{reason}"),
    "ai_confirm_enrolment": ("报名成功", "考核机构已确认您的报名信息，请等待卫生机构评定。"),
    "hi_reject_procedure": ("考核程序被驳回", "卫生机构驳回了您的考核程序申请，请重新选择考核程序。驳回理由：{reason}"),
    "ai_submit_review": ("工作成绩、职业道德评定完成", "您的工作成绩、职业道德评定已复核，请查看考核进度。"),
    "admin_reject_to_leave": ("已退出当前考核周期", "卫生行政部门将您退出当前考核周期。理由：{reason}"),
    "admin_reject_to_procedure": ("请重新选择考核程序", "卫生行政部门将您驳回到重新选择考核程序。理由：{reason}"),
    "hi_allow_modification": ("申请修改已允许", "卫生机构已允许您修改报名信息，请修改后提交。"),
    "hi_refuse_modification": ("申请修改未获允许", "卫生机构未允许您的修改申请。理由：{reason}"),
    "hi_confirm_modification": ("信息修改已确认", "卫生机构已确认您修改的信息。"),
    "hi_return_modification": ("信息修改被驳回", "卫生机构驳回了您修改的信息，请重新修改。理由：{reason}"),
    "hi_return_exemption": ("免考申请需补充材料", "卫生机构驳回了您的免考申请，请补充材料后重新申请。理由：{reason}"),
    "hi_refuse_exemption": ("免考申请被驳回", "卫生机构驳回了您的免考申请，不可再次申请。理由：{reason}"),
    "ai_approve_exemption": ("免考申请已通过", "您的免考申请已通过考核机构复核。"),
    "ai_return_exemption": ("免考申请需补充材料", "考核机构驳回了您的免考申请，请补充材料后重新申请。理由：{reason}"),
    "ai_refuse_exemption": ("免考申请被驳回", "考核机构驳回了您的免考申请，不可再次申请。理由：{reason}"),
    "hi_reject_delay": ("延期考核申请未获同意", "卫生机构未同意您的延期考核申请。理由：{reason}"),
    "admin_approve_delay": ("延期考核申请已批准", "您的延期考核申请已获卫生行政部门批准，请在再次考核时间内参加考核。"),
    "admin_reject_delay": ("延期考核申请未获同意", "卫生行政部门未同意您的延期考核申请。理由：{reason}"),
    # 成绩评定, outcome and 再次考核 (services/judging.py, reexam.py, outcome.py)
    "ai_confirm_results": ("考核结果通知", "您本周期定期考核结果已评定，请查看考核结果。"),
    "miss_first_round": ("考核结果：不合格", "您未参加本周期首轮考核且未申请延期考核，本周期考核结果为不合格。"),
    "miss_delayed_exam": ("考核结果：不合格", "您已批准延期考核，但未在再次考核时间内参加考核，本周期考核结果为不合格。"),
    "admin_confirm_reexam": ("再次考核通知", "您本周期首轮考核结果为不合格，已列入再次考核名单。自{suspended_from}起暂停执业"
                             "{suspension_months}个月，接受培训和继续医学教育；请在再次考核时间内参加再次考核。"),
    "admin_judge_reexam": ("再次考核结果", "您的再次考核结果已评定，请查看考核结果。"),
    "miss_reexam": ("再次考核结果：不合格", "您未在规定时间内参加再次考核，再次考核结果为不合格，"
                    "将由执业注册的卫生健康行政部门依法处理（注销注册）。"),
    # 复核申请 (services/results/appeals.py)
    "ai_uphold_result": ("复核结果：维持原考核结果", "考核机构已处理您的复核申请，维持原考核结果。理由：{reason}"),
    # 监考管理 处理 (services/proctoring.py, SPEC §6)
    "admin_mark_violation": ("考核结果：违纪不合格", "经监考审核，您在本周期定期考核测评中存在违纪行为，本周期考核结果认定为"
                             "违纪不合格，不参加再次考核。理由：{reason}"),
}

# Moves whose message depends on where they went: (action, target status) -> (title, body)
OUTCOME_MESSAGES: dict[tuple[str, str], tuple[str, str]] = {
    ("ai_confirm_results", "qualified"): ("考核结果：合格", "您本周期定期考核结果为合格，可在小程序中下载考核结果通知书。"),
    ("ai_confirm_results", "failed"): ("考核结果：不合格", "您本周期定期考核结果为不合格（{fail_reason}），请关注再次考核通知。"),
    ("ai_change_result", "qualified"): ("复核结果：考核结果变更为合格", "考核机构已处理您的复核申请，您的考核结果变更为合格，"
                                           "可在小程序中下载考核结果通知书。理由：{reason}"),
    ("ai_change_result", "failed"): ("复核结果：考核结果变更为不合格", "考核机构已处理您的复核申请，您的考核结果变更为不合格，"
                                     "原考核结果通知书作废。理由：{reason}"),
    ("admin_judge_reexam", "qualified"): ("再次考核结果：合格", "您的再次考核结果为合格，允许继续执业，但本考核周期内不得评优和晋升。"),
    ("admin_judge_reexam", "final_failed"): ("再次考核结果：不合格", "您的再次考核结果仍为不合格，将由执业注册的卫生健康"
                                             "行政部门依法注销注册，收回医师执业证书。"),
}
FAIL_REASON_LABELS = {"evaluation": "工作成绩、职业道德评定不合格", "exam": "测评成绩未达合格分数线",
                      "missed": "未参加考核", "violation": "违纪不合格", "appeal": "复核变更为不合格"}


async def physician_message(*, conn: Any, physician_id: int, template: str, title: str, body: str,
                            data: dict[str, Any] | None = None) -> None:
    """A message for a physician: into the inbox now; WeChat and SMS through the outbox."""
    await InboxMessage.create(physician_id=physician_id, template=template, title=title, body=body,
                              data=data or {}, using_db=conn)
    payload = {"title": title, "body": body, **(data or {})}
    queued = []
    for channel in ("wechat_subscribe", "sms"):
        row = await OutboxMessage.create(channel=channel, recipient_type="physician", recipient_id=physician_id,
                                         template=template, payload=payload, using_db=conn)
        queued.append(row.id)
    dispatch.kick(queued)  # delivery starts once the transaction has committed


# Administrators' 公众号模板消息 (SPEC §7): template name -> label. The WeChat template of each
# is configured in WECHAT_OA_TEMPLATES (server/config.py).
STAFF_TEMPLATES: dict[str, str] = {
    "pending_review": "待审核提醒",
    "reexam_list": "复考名单确认",
    "proctoring_alert": "监考预警",
    "export_finished": "导出完成",
}


async def staff_message(*, conn: Any = None, org_id: int, template: str, data: dict[str, Any] | None = None,
                        only_bound: bool = False) -> int:
    """A template message for an organisation's staff account(s), queued in the outbox in the
    caller's transaction (``conn``); returns how many were queued. An account that has not bound
    its WeChat is still queued (the dispatcher records it as refused), unless ``only_bound``.
    ``data`` fills the template's placeholders, e.g. {"count": 12, "title": "..."}."""
    if template not in STAFF_TEMPLATES:
        raise ValueError(f"unknown staff template {template!r}")
    accounts = StaffAccount.filter(org_id=org_id).exclude(status=AccountStatus.CANCELLED)
    if only_bound:
        accounts = accounts.filter(wechat_openid__isnull=False)
    payload = {"label": STAFF_TEMPLATES[template], **(data or {})}
    queued = []
    for account_id in await accounts.using_db(conn).values_list("id", flat=True):
        row = await OutboxMessage.create(channel="wechat_template", recipient_type="staff",
                                         recipient_id=account_id, template=template, payload=payload,
                                         using_db=conn)
        queued.append(row.id)
    dispatch.kick(queued)
    return len(queued)


async def on_transition(*, conn: Any, assessment: Assessment, transition: Any, before: Any, after: Any,
                        reason: str) -> None:
    message = OUTCOME_MESSAGES.get((transition.action, after.value)) or PHYSICIAN_MESSAGES.get(transition.action)
    if message is None:
        return
    title, body = message
    if transition.action == "ai_submit_review":
        body = body if after.value == "awaiting_exam" else "您的工作成绩、职业道德评定结果为不合格，本周期考核结果为不合格。"
    await physician_message(
        conn=conn, physician_id=assessment.physician_id, template=transition.action, title=title,
        body=body.format(reason=reason or "无", suspension_months=assessment.suspension_months or 3,
                         suspended_from=assessment.suspended_from or "确认之日",
                         fail_reason=FAIL_REASON_LABELS.get(assessment.fail_reason, "考核不合格")),
        data={"assessment_id": assessment.id, "status": after.value, "status_label": after.label},
    )
