"""Accounts and sign-in (SPEC §2): staff and physician sign-in and passwords (staff_auth,
physician_auth), sessions, captcha, SMS verification codes (sms_codes), organisation accounts
(org_accounts), WeChat binding (wechat_binding), "me" (me). Imports: notify, audit, access,
platform, wechat, security, models.
"""
