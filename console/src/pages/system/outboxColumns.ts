import { datetime, label, type Cols } from '../../columns'

/** 消息发送记录 */
export const OUTBOX_COLUMNS: Cols = [
  { colKey: 'title', title: '通知', width: 160, ellipsis: true, fixed: 'left' },
  { colKey: 'channel', title: '发送渠道', width: 130, cell: label('channel') },
  { colKey: 'recipient.name', title: '接收人', width: 180, ellipsis: true, cell: label('recipient.name') },
  { colKey: 'recipient.address', title: '接收号码', width: 130, cell: label('recipient.address') },
  { colKey: 'status', title: '状态', width: 100 },
  { colKey: 'attempts', title: '发送次数', width: 90 },
  { colKey: 'last_error', title: '失败原因', width: 200, ellipsis: true, cell: label('last_error') },
  { colKey: 'created_at', title: '创建时间', width: 170, cell: datetime('created_at') },
  { colKey: 'sent_at', title: '发送时间', width: 170, cell: datetime('sent_at') },
  { colKey: 'op', title: '操作', width: 80, fixed: 'right' },
]
