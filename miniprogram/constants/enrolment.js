/**
 * 我要报名: the five steps, their fields and choices — copied from server/schemas/enrolment.py
 * (titles, Literal choices, limits). Read-only fields come from 电子化注册 and are never sent.
 */

const STEPS = [
  { step: 'basic', label: '基本信息', page: '/pages/enrol/basic/index' },
  { step: 'practice', label: '执业信息', page: '/pages/enrol/practice/index' },
  { step: 'experience', label: '相关经历', page: '/pages/enrol/experience/index' },
  { step: 'self_assessment', label: '工作成绩、职业道德自评', page: '/pages/enrol/self-assessment/index' },
  { step: 'procedure', label: '选择考核程序', page: '/pages/enrol/procedure/index' },
]
const CONFIRM_PAGE = '/pages/enrol/confirm/index'

// The fields the physician may send, step by step (everything else is refused by the server).
const EDITABLE = {
  basic: ['gender', 'ethnicity', 'birth_date', 'id_type', 'education', 'email'],
  practice: ['department_id', 'category', 'level', 'specialties', 'title', 'title_date', 'position', 'position_date', 'is_resident',
    'practice_scope', 'employment'],
  experience: ['multi_site', 'education', 'practice_history'],
  self_assessment: ['practice_conduct', 'work_performance', 'ethics', 'professional_level'],
  procedure: ['procedure', 'conditions', 'proof_ids', 'report'],
}
const MODIFIABLE_STEPS = ['basic', 'practice', 'experience'] // 申请修改

const READ_ONLY = {
  basic: { name: '姓名', id_number: '证件号码', phone: '手机号' },
  practice: { qualification_cert_no: '资格证书编号', practice_cert_no: '执业证书编号' },
}
// 执业类别 / 医师级别 come from 电子化注册 too, but the physician may correct them (pickers over
// the view's `pickers`, only while the enrolment is editable); 从事专业 from the list of the category.

const FIELD_LABELS = {
  photo: '照片',
  gender: '性别',
  ethnicity: '民族',
  birth_date: '出生年月',
  id_type: '证件类型',
  education: '学历',
  email: '电子邮件',
  department_id: '科室',
  specialties: '从事专业',
  title: '职称',
  title_date: '取得时间',
  position: '职务',
  position_date: '任职时间',
  is_resident: '规培生',
  practice_scope: '执业范围',
  employment: '执业情况',
  multi_site: '多机构备案信息',
  practice_history: '执业经历',
  work_performance: '工作成绩自评',
  ethics: '职业道德自评',
  professional_level: '业务水平自评',
  procedure: '考核程序',
  conditions: '简易程序条件',
  proof_ids: '证明材料',
  report: '述职报告',
  name: '姓名',
  id_number: '证件号码',
  phone: '手机号',
  qualification_cert_no: '资格证书编号',
  practice_cert_no: '执业证书编号',
  category: '执业类别',
  level: '医师级别',
}

const GENDERS = ['男', '女']
const ID_TYPES = ['身份证', '护照', '港澳居民来往内地通行证', '台湾居民来往大陆通行证', '外国人永久居留身份证', '其他']
const ETHNICITIES = [ // 民族: GB/T 3304's 56 names (the server refuses any other)
  '汉族', '蒙古族', '回族', '藏族', '维吾尔族', '苗族', '彝族', '壮族', '布依族', '朝鲜族',
  '满族', '侗族', '瑶族', '白族', '土家族', '哈尼族', '哈萨克族', '傣族', '黎族', '傈僳族',
  '佤族', '畲族', '高山族', '拉祜族', '水族', '东乡族', '纳西族', '景颇族', '柯尔克孜族', '土族',
  '达斡尔族', '仫佬族', '羌族', '布朗族', '撒拉族', '毛南族', '仡佬族', '锡伯族', '阿昌族', '普米族',
  '塔吉克族', '怒族', '乌孜别克族', '俄罗斯族', '鄂温克族', '德昂族', '保安族', '裕固族', '京族', '塔塔尔族',
  '独龙族', '鄂伦春族', '赫哲族', '门巴族', '珞巴族', '基诺族',
]
const EDUCATIONS = ['博士研究生', '硕士研究生', '本科', '大专', '中专', '其他']
const TITLES = ['正高级（主任）', '副高级（副主任）', '中级（主治）', '初级（师级）', '初级（士级）', '无']
const EMPLOYMENTS = ['在职', '返聘']

const LIMITS = {
  report_max: 2000, // 述职报告: 内容允许最多不超过 2000 字
  self_text_max: 1000,
  specialties_max: 5,
  note_max: 200, // 申请修改 说明
  exemption_note_max: 500,
  delay_reason_max: 500,
  proofs_max: 20,
}

// Empty rows added with "+" in 相关经历
const EXPERIENCE_ROWS = {
  multi_site: { institution: '', practice_scope: '', start_date: '', end_date: '' },
  education: { school: '', major: '', education: '', start_date: '', end_date: '' },
  practice_history: { institution: '', department: '', position: '', start_date: '', end_date: '' },
}

const PHOTO_GUIDE = [
  '1寸免冠电子证件照，白底（建议白色背景）、近期（建议近2年内）、免冠',
  'jpg格式，竖版（宽高比约5:7）',
  '照片将用于考核结果通知书打印及测评时的人脸比对，请务必使用近期的新照片',
]

module.exports = {
  STEPS,
  CONFIRM_PAGE,
  EDITABLE,
  MODIFIABLE_STEPS,
  READ_ONLY,
  FIELD_LABELS,
  GENDERS,
  ID_TYPES,
  EDUCATIONS,
  ETHNICITIES,
  TITLES,
  EMPLOYMENTS,
  LIMITS,
  EXPERIENCE_ROWS,
  PHOTO_GUIDE,
}
