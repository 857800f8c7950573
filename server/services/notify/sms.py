"""The SMS channel's contract: the template name of verification codes, the sender protocol and
the error a gateway raises.

The gateway adapter that really sends (``delivery.set_sms_gateway``) and the verification codes
(server/services/accounts/sms_codes.py, which writes to the outbox) both speak ``SmsSender``.
"""

from __future__ import annotations

from typing import Any, Protocol

CODE_TEMPLATE = "verify_code"


class SmsSender(Protocol):
    async def send(self, phone: str, template: str, params: dict[str, Any], *, recipient_id: int | None = None) -> None:
        """Deliver (or queue) one text message."""


class SmsDeliveryError(Exception):
    """Raised by an SMS gateway adapter. ``code`` is stable (e.g. sms_throttled, sms_bad_template),
    ``label`` names the gateway; ``message`` must not contain the phone or the text."""

    def __init__(self, message: str, *, retryable: bool, code: str = "sms_gateway", label: str = "短信网关") -> None:
        self.message = message
        self.retryable = retryable
        self.code = code
        self.label = label
        super().__init__(message)
