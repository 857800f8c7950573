// The forms of 本机构信息 (server/schemas/orgs.py): 卫健委 · 考核管理委员会 · 考核办公室, or 本机构信息.
export interface FieldDef {
  key: string
  label: string
  kind?: 'input' | 'textarea' | 'select' | 'number'
  options?: { value: string; label: string }[]
  required?: boolean
  max?: number
}

const CONTACT: FieldDef[] = [
  { key: 'contact', label: '联系人', required: true, max: 32 },
  { key: 'phone', label: '联系电话', required: true, max: 24 },
  { key: 'address', label: '地址', max: 255 },
  { key: 'postcode', label: '邮编', max: 6 },
  { key: 'email', label: '邮箱', max: 128 },
]

export const INSTITUTION_LEVELS = [
  { value: 'level3', label: '三级' }, { value: 'level2', label: '二级' }, { value: 'level1', label: '一级' },
  { value: 'unrated', label: '未定级' },
]
export const INSTITUTION_CATEGORIES = [
  ['general_hospital', '综合医院'], ['tcm_hospital', '中医医院'], ['integrated_hospital', '中西医结合医院'],
  ['ethnic_hospital', '民族医医院'], ['specialty_hospital', '专科医院'], ['maternal_child', '妇幼保健院'],
  ['community_centre', '社区卫生服务中心（站）'], ['township_centre', '乡镇卫生院'], ['clinic', '门诊部、诊所'],
  ['cdc', '疾病预防控制中心'], ['other', '其他'],
].map(([value, label]) => ({ value, label }))

export const FORM_FIELDS: Record<string, FieldDef[]> = {
  health_commission: [
    { key: 'name', label: '机构名称', required: true, max: 128 },
    { key: 'leader', label: '负责人', max: 32 },
    ...CONTACT,
    { key: 'fax', label: '传真', max: 24 },
  ],
  committee: [
    { key: 'name', label: '委员会名称', required: true, max: 128 },
    { key: 'leader', label: '负责人（主任）', max: 32 },
    { key: 'members', label: '委员会成员', kind: 'textarea', max: 1000 },
    ...CONTACT,
  ],
  office: [
    { key: 'name', label: '办公室名称', required: true, max: 128 },
    { key: 'leader', label: '负责人', max: 32 },
    ...CONTACT,
  ],
  institution: [
    { key: 'level', label: '机构级别', kind: 'select', options: INSTITUTION_LEVELS, required: true },
    { key: 'category', label: '机构类别', kind: 'select', options: INSTITUTION_CATEGORIES, required: true },
    { key: 'legal_person', label: '法人', required: true, max: 32 },
    { key: 'beds', label: '床位数', kind: 'number' },
    ...CONTACT,
    { key: 'intro', label: '机构简介', kind: 'textarea', max: 1000 },
  ],
}

/** a stored value as text (select values by their label) */
export function shown(f: FieldDef, v: unknown): string {
  if (v === null || v === undefined || v === '') return '-'
  if (f.options) return f.options.find((o) => o.value === v)?.label ?? String(v)
  return String(v)
}
