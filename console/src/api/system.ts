// 消息发送记录 (outbox) and 绑定微信: one function per endpoint (server/routes/admin/outbox.py, wechat.py).
import { http } from './http'
import type { Query } from './http'
import type { components } from './schema'

type S = components['schemas']
export type OutboxRow = S['OutboxRow']
export type BindingStatus = S['BindingStatus']
export type BindingQrcode = S['BindingQrcode']

export const outboxApi = {
  list: (q: Query) => http.get<S['Page_OutboxRow_']>('/outbox', q),
  resend: (id: number) => http.post<OutboxRow>(`/outbox/${id}/resend`),
}

export const wechatApi = {
  status: () => http.get<BindingStatus>('/wechat/binding'),
  qrcode: () => http.post<BindingQrcode>('/wechat/binding-qrcode'),
  unbind: () => http.del<BindingStatus>('/wechat/binding'),
}

/** mirroring server/models/ops.py OutboxChannel / OutboxStatus */
export const OUTBOX_CHANNEL_OPTIONS = [
  { value: 'inbox', label: '站内消息' }, { value: 'wechat_subscribe', label: '订阅消息' },
  { value: 'wechat_template', label: '公众号模板消息' }, { value: 'sms', label: '短信' },
]
export const OUTBOX_STATUS_OPTIONS = [
  { value: 'pending', label: '待发送' }, { value: 'sent', label: '已发送' }, { value: 'failed', label: '发送失败' },
]
