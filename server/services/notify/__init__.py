"""Notifications (SPEC §7): the outbox (notices: what to send on which event), its delivery
(dispatch: kick and sweep; delivery: subscribe / template messages, SMS, inbox), the SMS sender
protocol (sms), the Tencent / Alibaba Cloud SMS gateways (sms_providers), the physician's inbox (inbox), the outbox as seen by staff (outbox_view) and the
review reminders (reminders). Imports: platform, wechat, access, audit, schemas, models. Never
accounts or any domain above it (verification codes live in accounts/sms_codes.py).
"""
