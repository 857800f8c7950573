import { datetime, label, type Cols } from '../../columns'

export const COLUMNS: Cols = [
  { colKey: 'row-select', type: 'multiple', width: 46, fixed: 'left' },
  { colKey: 'name', title: '机构名称', width: 220, ellipsis: true, fixed: 'left' },
  { colKey: 'kind', title: '机构类型', width: 110, cell: label('kind') },
  { colKey: 'region', title: '所在地区', width: 120, cell: label('region') },
  { colKey: 'code', title: '机构账号', width: 140 },
  { colKey: 'status', title: '账号状态', width: 100 },
  { colKey: 'address', title: '详细地址', width: 200, ellipsis: true, cell: label('address') },
  { colKey: 'created_at', title: '创建时间', width: 170, cell: datetime('created_at') },
]
