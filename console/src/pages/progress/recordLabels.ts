// Chinese names of the enrolment fields (server/schemas/enrolment.py titles) and how a value is shown.

export const FIELD_LABELS: Record<string, string> = {
  gender: '性别', ethnicity: '民族', birth_date: '出生年月', id_type: '证件类型', education: '学历', email: '电子邮件',
  department_id: '科室', department: '科室', category: '执业类别', level: '医师级别', specialties: '从事专业', title: '职称',
  title_date: '取得时间', position: '职务', position_date: '任职时间', is_resident: '规培生', practice_scope: '执业范围',
  employment: '执业情况', start_date: '开始时间', end_date: '结束时间', institution: '机构', school: '学校', major: '专业',
  multi_site: '多机构备案信息', practice_history: '执业经历', practice_conduct: '执业行为记录',
  work_performance: '工作成绩自评', ethics: '职业道德自评', professional_level: '业务水平自评', item_texts: '逐项自评',
  procedure: '考核程序', conditions: '简易程序条件', proof_ids: '证明材料', report: '述职报告', note: '说明',
  reason_ids: '免考理由', reason: '理由', id_number: '证件号码', phone: '手机号码', name: '姓名', basic: '基本信息',
  practice: '执业信息', experience: '相关经历', self_assessment: '自评',
}

/** enum values stored inside the enrolment (server/models: Procedure, PracticeCategory, PhysicianLevel) */
const VALUE_LABELS: Record<string, Record<string, string>> = {
  procedure: { simple: '简易程序', general: '一般程序' },
  category: { clinical: '临床', tcm: '中医', dental: '口腔', public_health: '公共卫生' },
  level: { physician: '执业医师', assistant: '执业助理医师' },
}

export function fieldLabel(key: string): string {
  return FIELD_LABELS[key] ?? key
}

/** a stored value as text: lists joined, objects as 名称：值 pairs, booleans 是/否 */
export function show(value: unknown, key = ''): string {
  if (value === null || value === undefined || value === '') return '-'
  if (typeof value === 'boolean') return value ? '是' : '否'
  if (typeof value === 'string' && VALUE_LABELS[key]) return VALUE_LABELS[key][value] ?? value
  if (Array.isArray(value)) return value.length ? value.map((v) => show(v)).join('；') : '-'
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>
    if ('label' in o) return String(o.label)
    if ('name' in o && Object.keys(o).length <= 2) return String(o.name)
    return Object.entries(o).map(([k, v]) => `${fieldLabel(k)}：${show(v, k)}`).join('，')
  }
  return String(value)
}

export function datetime(v: unknown): string {
  return v ? String(v).replace('T', ' ').slice(0, 19) : '-'
}
