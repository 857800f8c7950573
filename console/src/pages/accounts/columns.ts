import { datetime, label, type Cols } from '../../columns'

export const COLUMNS: Cols = [
  { colKey: 'row-select', type: 'multiple', width: 46, fixed: 'left' },
  { colKey: 'name', title: '机构名称', width: 220, ellipsis: true, fixed: 'left' },
  { colKey: 'kind', title: '机构类型', width: 110, cell: label('kind') },
  { colKey: 'region', title: '所在地区', width: 120, cell: label('region') },
  { colKey: 'code', title: '机构账号', width: 170, ellipsis: true },
  { colKey: 'status', title: '账号状态', width: 100 },
  { colKey: 'may_apply_assessment', title: '申请成为考核机构', width: 150, ellipsis: true },
  { colKey: 'address', title: '详细地址', width: 200, ellipsis: true, cell: label('address') },
  { colKey: 'created_at', title: '创建时间', width: 170, cell: datetime('created_at') },
  { colKey: 'op', title: '操作', width: 250, fixed: 'right' },
]

/** columns shown only on the 卫生机构 list */
export const HOSPITAL_ONLY = ['may_apply_assessment']

export const ACCOUNT_STATUS = [
  { value: 'inactive', label: '未激活' },
  { value: 'active', label: '激活' },
  { value: 'cancelled', label: '注销' },
]
