import { datetime, label, type Cols } from '../../columns'

/** an organisation in the lists of 考核机构管理 (AssessmentOrgRow) */
export const ORG_COLUMNS: Cols = [
  { colKey: 'name', title: '机构名称', width: 260, ellipsis: true },
  { colKey: 'kind', title: '机构类型', width: 110, cell: label('kind') },
  { colKey: 'region', title: '所在地区', width: 120, cell: label('region') },
  { colKey: 'address', title: '详细地址', ellipsis: true, cell: label('address') },
]

export const ASSESSOR_COLUMNS: Cols = [
  ...ORG_COLUMNS,
  { colKey: 'assigned_count', title: '已指定卫生机构数', width: 140 },
  { colKey: 'op', title: '操作', width: 120, fixed: 'right' },
]

export const APPLICATION_COLUMNS: Cols = [
  { colKey: 'org', title: '申请机构', width: 240, ellipsis: true, cell: label('org') },
  { colKey: 'region', title: '所在地区', width: 110, cell: label('org.region') },
  { colKey: 'status', title: '审批状态', width: 100 },
  { colKey: 'material_count', title: '材料数', width: 80 },
  { colKey: 'note', title: '申请说明', width: 200, ellipsis: true, cell: label('note') },
  { colKey: 'reason', title: '驳回原因', width: 180, ellipsis: true, cell: label('reason') },
  { colKey: 'created_at', title: '申请时间', width: 170, cell: datetime('created_at') },
  { colKey: 'decided_at', title: '审批时间', width: 170, cell: datetime('decided_at') },
  { colKey: 'op', title: '操作', width: 150, fixed: 'right' },
]

export const APPLICATION_STATUS = [
  { value: 'pending', label: '待审批' },
  { value: 'approved', label: '已通过' },
  { value: 'rejected', label: '已驳回' },
]

export const INDUSTRY_COLUMNS: Cols = [
  { colKey: 'name', title: '机构名称', width: 240, ellipsis: true },
  { colKey: 'region', title: '所在地区', width: 120, cell: label('region') },
  { colKey: 'code', title: '机构账号', width: 170, ellipsis: true },
  { colKey: 'status', title: '账号状态', width: 100 },
  { colKey: 'address', title: '详细地址', ellipsis: true, cell: label('address') },
  { colKey: 'is_assessment_institution', title: '作为考核机构', width: 130, fixed: 'right' },
]
