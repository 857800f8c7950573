"""Shapes of 绑定微信 (console): the binding QR code and the binding status."""

from __future__ import annotations

from pydantic import Field

from server.schemas.common import Out


class BindingQrcode(Out):
    """A temporary QR code to scan with WeChat."""

    ticket: str
    url: str
    image_url: str = Field(description="二维码图片地址")
    expires_in: int = Field(description="有效期（秒）")


class BindingStatus(Out):
    """绑定状态 (openid masked)."""

    bound: bool
    openid: str = Field(description="已绑定的 openid（脱敏）")
    qrcode_pending: bool = Field(description="二维码已生成、尚未扫码")
