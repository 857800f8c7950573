import { label, type Cols } from '../../columns'

export const COLUMNS: Cols = [
  { colKey: 'name', title: '机构名称', width: 220, ellipsis: true, fixed: 'left' },
  { colKey: 'region', title: '所在地区', width: 110, cell: label('region') },
  { colKey: 'credit_code', title: '统一社会信用代码', width: 190, cell: label('credit_code') },
  { colKey: 'account', title: '账号状态', width: 100 },
  { colKey: 'is_assessment_institution', title: '考核机构', width: 90 },
  { colKey: 'assessor', title: '所属考核机构', width: 200, ellipsis: true, cell: label('assessor') },
  { colKey: 'contact', title: '联系人', width: 100, cell: label('contact') },
  { colKey: 'phone', title: '联系电话', width: 140, cell: label('phone') },
  { colKey: 'cycle_confirmed', title: '本周期考核时间', width: 120 },
  { colKey: 'address', title: '详细地址', width: 200, ellipsis: true, cell: label('address') },
  { colKey: 'op', title: '操作', width: 160, fixed: 'right' },
]
