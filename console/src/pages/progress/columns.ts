import { label, type Cols } from '../../columns'

export const COLUMNS: Cols = [
  { colKey: 'physician.name', title: '姓名', width: 100, ellipsis: true, fixed: 'left', cell: label('physician.name') },
  { colKey: 'physician.id_number', title: '身份证号', width: 175, cell: label('physician.id_number') },
  { colKey: 'institution', title: '卫生机构', width: 160, ellipsis: true, cell: label('institution') },
  { colKey: 'physician.category', title: '执业类别', width: 100, cell: label('physician.category') },
  { colKey: 'procedure', title: '考核程序', width: 100, cell: label('procedure') },
  { colKey: 'work_result', title: '工作成绩', width: 90, cell: label('work_result') },
  { colKey: 'ethics_result', title: '职业道德', width: 90, cell: label('ethics_result') },
  { colKey: 'status', title: '考核状态', width: 130 },
  { colKey: 'op', title: '操作', width: 240, fixed: 'right' },
]

export const PROCEDURES = [{ value: 'simple', label: '简易程序' }, { value: 'general', label: '一般程序' }]

/** shown until the user picks others (列设置): 工作成绩 / 职业道德 on demand, so the page fits 1366 px */
export const DEFAULT_COLUMNS = COLUMNS.map((c) => String(c.colKey)).filter((k) => k !== 'work_result' && k !== 'ethics_result')
