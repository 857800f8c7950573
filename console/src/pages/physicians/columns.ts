import { datetime, label, type Cols } from '../../columns'

/** 医师信息列表 (hospital) */
export const COLUMNS: Cols = [
  { colKey: 'row-select', type: 'multiple', width: 46, fixed: 'left' },
  { colKey: 'name', title: '姓名', width: 100, ellipsis: true, fixed: 'left' },
  { colKey: 'id_number', title: '身份证号', width: 190 },
  { colKey: 'phone', title: '手机号', width: 130, cell: label('phone') },
  { colKey: 'department', title: '科室', width: 140, ellipsis: true, cell: label('department') },
  { colKey: 'category', title: '执业类别', width: 100, cell: label('category') },
  { colKey: 'level', title: '执业级别', width: 120, cell: label('level') },
  { colKey: 'practice_cert_no', title: '执业证书编码', width: 170, ellipsis: true, cell: label('practice_cert_no') },
  { colKey: 'status', title: '考核状态', width: 150 },
  { colKey: 'op', title: '操作', width: 230, fixed: 'right' },
]

/** 医师管理 (administrations) */
export const ADMIN_COLUMNS: Cols = [
  { colKey: 'name', title: '姓名', width: 100, ellipsis: true, fixed: 'left' },
  { colKey: 'id_number', title: '身份证号', width: 190 },
  { colKey: 'gender', title: '性别', width: 64, cell: label('gender') },
  { colKey: 'phone', title: '手机号', width: 130, cell: label('phone') },
  { colKey: 'institution', title: '卫生机构', width: 200, ellipsis: true, cell: label('institution') },
  { colKey: 'department', title: '科室', width: 120, ellipsis: true, cell: label('department') },
  { colKey: 'category', title: '执业类别', width: 100, cell: label('category') },
  { colKey: 'level', title: '执业级别', width: 120, cell: label('level') },
  { colKey: 'registry_status', title: '登记状态', width: 110 },
  { colKey: 'op', title: '操作', width: 250, fixed: 'right' },
]

/** 调动记录 / 申请记录 */
export const TRANSFER_COLUMNS: Cols = [
  { colKey: 'kind', title: '类型', width: 120, cell: label('kind') },
  { colKey: 'from_org', title: '原卫生机构', width: 180, ellipsis: true, cell: label('from_org') },
  { colKey: 'to_org', title: '新卫生机构', width: 180, ellipsis: true, cell: label('to_org') },
  { colKey: 'status', title: '状态', width: 100 },
  { colKey: 'decision_reason', title: '驳回理由', width: 140, ellipsis: true, cell: label('decision_reason') },
  { colKey: 'created_at', title: '申请时间', width: 170, cell: datetime('created_at') },
]

/** 调动记录 in the 查看 drawer (narrow) */
export const DRAWER_TRANSFER_COLUMNS: Cols = [
  { colKey: 'kind', title: '类型', width: 110, cell: label('kind') },
  { colKey: 'from_org', title: '原卫生机构', ellipsis: true, cell: label('from_org') },
  { colKey: 'to_org', title: '新卫生机构', ellipsis: true, cell: label('to_org') },
  { colKey: 'status', title: '状态', width: 84 },
  { colKey: 'created_at', title: '日期', width: 100, cell: (_h, { row }) => String(row.created_at ?? '').slice(0, 10) || '-' },
]
