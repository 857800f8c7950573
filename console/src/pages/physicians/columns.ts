import { label, type Cols } from '../../columns'

export const COLUMNS: Cols = [
  { colKey: 'row-select', type: 'multiple', width: 46, fixed: 'left' },
  { colKey: 'name', title: '姓名', width: 100, ellipsis: true, fixed: 'left' },
  { colKey: 'id_number', title: '身份证号', width: 190 },
  { colKey: 'phone', title: '手机号', width: 130, cell: label('phone') },
  { colKey: 'department', title: '科室', width: 140, ellipsis: true, cell: label('department') },
  { colKey: 'category', title: '执业类别', width: 110, cell: label('category') },
  { colKey: 'level', title: '级别', width: 110, cell: label('level') },
  { colKey: 'practice_cert_no', title: '执业证书编码', width: 180, ellipsis: true, cell: label('practice_cert_no') },
  { colKey: 'status', title: '考核状态', width: 150 },
]
