import { datetime, label, type Cols } from '../../columns'

export const COLUMNS: Cols = [
  { colKey: 'code', title: '试题编号', width: 130, fixed: 'left', ellipsis: true },
  { colKey: 'bank', title: '题库', width: 130, cell: label('bank') },
  { colKey: 'paper_type', title: '试卷类型', width: 100, cell: label('paper_type') },
  { colKey: 'category', title: '执业类别', width: 90, cell: label('category') },
  { colKey: 'knowledge_point', title: '知识点', width: 130, ellipsis: true },
  { colKey: 'qtype', title: '题型', width: 90, cell: label('qtype') },
  { colKey: 'stem', title: '题干', width: 300, ellipsis: true },
  { colKey: 'difficulty', title: '难度', width: 70, cell: label('difficulty') },
  { colKey: 'active', title: '状态', width: 80 },
  { colKey: 'in_use', title: '已抽入试卷', width: 100, cell: (_h, { row }) => (row.in_use ? '是' : '否') },
  { colKey: 'updated_at', title: '更新时间', width: 170, cell: datetime('updated_at') },
  { colKey: 'op', title: '操作', width: 150, fixed: 'right' },
]

export const KP_COLUMNS: Cols = [
  { colKey: 'paper_type', title: '试卷类型', width: 110 },
  { colKey: 'category', title: '执业类别', width: 110 },
  { colKey: 'knowledge_point', title: '知识点', ellipsis: true },
  { colKey: 'single', title: '单选题', width: 100, cell: (_h, { row }) => String(row.by_type.single ?? 0) },
  { colKey: 'multiple', title: '多选题', width: 100, cell: (_h, { row }) => String(row.by_type.multiple ?? 0) },
  { colKey: 'judge', title: '判断题', width: 100, cell: (_h, { row }) => String(row.by_type.judge ?? 0) },
  { colKey: 'total', title: '启用试题合计', width: 130 },
]
