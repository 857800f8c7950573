import type { TableRowData } from 'tdesign-vue-next'
import { datetime, label, type Cols } from '../../columns'

/** 0.55 → 55.0%; none → - */
export function percent(v: number | null | undefined): string {
  return v === null || v === undefined ? '-' : `${(v * 100).toFixed(1)}%`
}

const papers = (_h: unknown, { row }: { row: TableRowData }) =>
  (row.papers as { paper_type: { label: string }; attempts: number }[])
    .map((p) => `${p.paper_type.label}（${p.attempts}次）`).join('、') || '-'

const name: Cols = [
  { colKey: 'physician.name', title: '姓名', width: 100, fixed: 'left', ellipsis: true },
  { colKey: 'physician.id_number', title: '证件号码', width: 180 },
  { colKey: 'lowest_similarity', title: '最低相似度', width: 110, cell: (_h, { row }) => percent(row.lowest_similarity) },
]
const where: Cols = [
  { colKey: 'institution', title: '卫生机构', width: 200, ellipsis: true, cell: label('institution') },
  { colKey: 'papers', title: '测评', width: 180, ellipsis: true, cell: papers },
]

export const COLUMNS: Cols = [
  ...name,
  { colKey: 'worst_decision', title: '核验结果', width: 130 },
  { colKey: 'suspected', title: '疑似作弊', width: 100 },
  { colKey: 'violation', title: '违纪不合格', width: 110 },
  { colKey: 'checks', title: '抓拍/异常', width: 100, cell: (_h, { row }) => `${row.checks} / ${row.flagged_checks}` },
  ...where,
  { colKey: 'last_check_at', title: '最近抓拍时间', width: 170, cell: datetime('last_check_at') },
  { colKey: 'op', title: '操作', width: 170, fixed: 'right' },
]

export const VIOLATION_COLUMNS: Cols = [
  ...name,
  ...where,
  { colKey: 'processed.org', title: '处理机构', width: 160, ellipsis: true, cell: label('processed.org') },
  { colKey: 'processed.at', title: '处理时间', width: 170,
    cell: (_h, { row }) => (row.processed?.at ? String(row.processed.at).replace('T', ' ').slice(0, 19) : '-') },
  { colKey: 'processed.reason', title: '处理理由', width: 200, ellipsis: true, cell: label('processed.reason') },
  { colKey: 'op', title: '操作', width: 80, fixed: 'right' },
]
