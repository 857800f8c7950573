import { EXPORT_KINDS } from '../../api/exports'
import { datetime, type Cols } from '../../columns'

/** 导出记录 */
export const EXPORT_COLUMNS: Cols = [
  { colKey: 'kind', title: '导出内容', width: 120, cell: (_h, { row }) => EXPORT_KINDS[String(row.kind)] ?? String(row.kind) },
  { colKey: 'status', title: '状态', width: 90 },
  { colKey: 'percent', title: '进度', width: 140 },
  { colKey: 'total', title: '条数', width: 70, align: 'right' },
  { colKey: 'created_at', title: '申请时间', width: 176, cell: datetime('created_at') },
  { colKey: 'finished_at', title: '完成时间', width: 176, cell: datetime('finished_at') },
  { colKey: 'message', title: '说明', minWidth: 120, ellipsis: true, cell: (_h, { row }) => String(row.message || '-') },
  { colKey: 'op', title: '操作', width: 150, fixed: 'right' },
]
