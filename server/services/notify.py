"""Notifications written in the transaction of the event that causes them (SPEC §7).

Physicians get a 站内消息 (written straight into their inbox), and a WeChat subscribe
message and an SMS queued in the outbox; the dispatcher delivers those and retries.
"""

from __future__ import annotations

from typing import Any

from server.models import Assessment, InboxMessage, OutboxMessage

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
}


async def physician_message(*, conn: Any, physician_id: int, template: str, title: str, body: str,
                            data: dict[str, Any] | None = None) -> None:
    """A message for a physician: into the inbox now; WeChat and SMS through the outbox."""
    await InboxMessage.create(physician_id=physician_id, template=template, title=title, body=body,
                              data=data or {}, using_db=conn)
    payload = {"title": title, "body": body, **(data or {})}
    for channel in ("wechat_subscribe", "sms"):
        await OutboxMessage.create(channel=channel, recipient_type="physician", recipient_id=physician_id,
                                   template=template, payload=payload, using_db=conn)


async def on_transition(*, conn: Any, assessment: Assessment, transition: Any, before: Any, after: Any,
                        reason: str) -> None:
    message = PHYSICIAN_MESSAGES.get(transition.action)
    if message is None:
        return
    title, body = message
    if transition.action == "ai_submit_review":
        body = body if after.value == "awaiting_exam" else "您的工作成绩、职业道德评定结果为不合格，本周期考核结果为不合格。"
    await physician_message(
        conn=conn, physician_id=assessment.physician_id, template=transition.action, title=title,
        body=body.format(reason=reason or "无"),
        data={"assessment_id": assessment.id, "status": after.value, "status_label": after.label},
    )
