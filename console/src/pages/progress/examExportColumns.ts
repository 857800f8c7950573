import { datetime, type Cols } from '../../columns'

/** 最近的考试进展导出 on the 考试进展导出 page */
export const RECENT_COLUMNS: Cols = [
  { colKey: 'created_at', title: '申请时间', width: 170, cell: datetime('created_at') },
  { colKey: 'status', title: '状态', width: 110 },
  { colKey: 'percent', title: '进度', width: 80, cell: (_h, { row }) => `${row.percent ?? 0}%` },
  { colKey: 'total', title: '条数', width: 80 },
  { colKey: 'finished_at', title: '完成时间', width: 170, cell: datetime('finished_at') },
  { colKey: 'op', title: '操作', width: 160 },
]
