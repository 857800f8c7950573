import type { TableRowData } from 'tdesign-vue-next'
import { label, type Cols } from '../../columns'

/** one paper's best score against its pass line (免考 / 不需参加 when so) */
function paperText(row: TableRowData): string {
  const papers = (row.papers ?? []) as { label: string; required: boolean; exempt: boolean; best_score: number | null; pass_line: number }[]
  return papers.map((p) => {
    const score = p.exempt ? '免考' : !p.required ? '不需参加' : p.best_score == null ? '未参加' : `${p.best_score}/${p.pass_line}`
    return `${p.label} ${score}`
  }).join('；') || '-'
}

/** 成绩评定 / 评定再次考核: the physician, each paper's score and what 确认 decides */
export const SCORED_COLUMNS: Cols = [
  { colKey: 'row-select', type: 'multiple', width: 46, fixed: 'left' },
  { colKey: 'physician.name', title: '姓名', width: 100, ellipsis: true, fixed: 'left', cell: label('physician.name') },
  { colKey: 'physician.id_number', title: '身份证号', width: 175, cell: label('physician.id_number') },
  { colKey: 'institution', title: '卫生机构', width: 160, ellipsis: true, cell: label('institution') },
  { colKey: 'physician.category', title: '执业类别', width: 100, cell: label('physician.category') },
  { colKey: 'papers', title: '测评成绩（成绩/合格线）', width: 240, cell: (_h, { row }) => paperText(row) },
  { colKey: 'preview', title: '评定结果', width: 100 },
  { colKey: 'op', title: '操作', width: 120, fixed: 'right' },
]

/** 确认再次考核名单: 不合格 physicians and why */
export const CANDIDATE_COLUMNS: Cols = [
  { colKey: 'row-select', type: 'multiple', width: 46, fixed: 'left', disabled: ({ row }) => !!row.violation },
  { colKey: 'physician.name', title: '姓名', width: 100, ellipsis: true, fixed: 'left', cell: label('physician.name') },
  { colKey: 'physician.id_number', title: '身份证号', width: 175, cell: label('physician.id_number') },
  { colKey: 'institution', title: '卫生机构', width: 160, ellipsis: true, cell: label('institution') },
  { colKey: 'physician.category', title: '执业类别', width: 100, cell: label('physician.category') },
  { colKey: 'procedure', title: '考核程序', width: 100, cell: label('procedure') },
  { colKey: 'fail_reason_label', title: '不合格原因', width: 180, ellipsis: true },
  { colKey: 'status', title: '考核状态', width: 130 },
  { colKey: 'op', title: '操作', width: 120, fixed: 'right' },
]
