"""The SMS channel's contract: the template name of verification codes and the sender protocol.

The gateway adapter that really sends (``delivery.set_sms_gateway``) and the verification codes
(server/services/accounts/sms_codes.py, which writes to the outbox) both speak ``SmsSender``.
"""

from __future__ import annotations

from typing import Any, Protocol

CODE_TEMPLATE = "verify_code"


class SmsSender(Protocol):
    async def send(self, phone: str, template: str, params: dict[str, Any], *, recipient_id: int | None = None) -> None:
        """Deliver (or queue) one text message."""
