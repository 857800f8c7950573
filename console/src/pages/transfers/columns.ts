import { datetime, label, type Cols } from '../../columns'

/** 申请记录: 人员调出 / 调入审核 / 暂存区 / 变更卫生机构 */
export const COLUMNS: Cols = [
  { colKey: 'physician.name', title: '姓名', width: 100, ellipsis: true, fixed: 'left' },
  { colKey: 'physician.id_number', title: '身份证号', width: 180 },
  { colKey: 'kind', title: '类型', width: 110, cell: label('kind') },
  { colKey: 'from_org', title: '原卫生机构', width: 180, ellipsis: true, cell: label('from_org') },
  { colKey: 'to_org', title: '调入机构', width: 180, ellipsis: true, cell: label('to_org') },
  { colKey: 'holding_reason', title: '暂存区原因', width: 130, cell: label('holding_reason') },
  { colKey: 'status', title: '状态', width: 100 },
  { colKey: 'requested_by', title: '申请机构', width: 160, ellipsis: true, cell: label('requested_by') },
  { colKey: 'note', title: '申请说明', width: 140, ellipsis: true, cell: label('note') },
  { colKey: 'decided_by', title: '审核机构', width: 160, ellipsis: true, cell: label('decided_by') },
  { colKey: 'decision_reason', title: '驳回理由', width: 140, ellipsis: true, cell: label('decision_reason') },
  { colKey: 'created_at', title: '申请时间', width: 170, cell: datetime('created_at') },
  { colKey: 'decided_at', title: '审核时间', width: 170, cell: datetime('decided_at') },
  { colKey: 'op', title: '操作', width: 120, fixed: 'right' },
]
