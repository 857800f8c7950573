/**
 * Every status the physician sees, with its Chinese label, and the buttons the server's
 * `actions` turn into. Copied from server/models/assessment.py and
 * server/services/assessment_flow.py — the one place a page finds a label.
 * The server sends {value, label} too; `label()` prefers ours and falls back to the server's.
 */

// 考核状态 (AssessmentStatus)
const ASSESSMENT_STATUS = {
  not_included: '未开通报名',
  included: '已开通报名',
  enrol_submitted: '待卫生机构审核',
  enrol_returned: '报名信息被驳回',
  enrol_reported: '待考核机构确认',
  enrolled: '待卫生机构评定',
  procedure_returned: '待重新选择考核程序',
  evaluated: '待考核机构复核',
  awaiting_exam: '待参加测评',
  exams_done: '待成绩评定',
  qualified: '合格',
  failed: '不合格',
  reexam_listed: '待再次考核',
  reexam_done: '再次考核待评定',
  final_failed: '再次考核不合格',
  left: '已退出当前周期',
}

// 申请修改 (ModificationStatus)
const MODIFICATION_STATUS = {
  none: '无',
  requested: '申请修改待审核',
  allowed: '已允许修改',
  submitted: '修改待确认',
}

// 申请免考 (ExemptionStatus)
const EXEMPTION_STATUS = {
  none: '未申请',
  hi_pending: '待卫生机构审核',
  ai_pending: '待考核机构复核',
  approved: '免考通过',
  returned: '驳回需补充材料',
  refused: '驳回禁止再次申请',
}

// 延期考核 (DelayStatus)
const DELAY_STATUS = {
  none: '未申请',
  hi_pending: '待卫生机构审批',
  admin_pending: '待卫生行政部门审批',
  approved: '延期已批准',
  rejected: '延期被驳回',
}

// 考核程序 (Procedure)
const PROCEDURE = {
  simple: '简易程序',
  general: '一般程序',
}

// 评定结果 (ItemResult)
const ITEM_RESULT = {
  pass: '合格',
  fail: '不合格',
}

// 试卷类型 (PaperType) and 题型 (QuestionType)
const PAPER_TYPE = {
  humanities: '人文医学',
  professional: '业务水平',
}
const QUESTION_TYPE = {
  single: '单选题',
  multiple: '多选题',
  judge: '判断题',
}

// One paper's line in 考核结果
const PAPER_RESULT = {
  pass: '合格',
  fail: '不合格',
  exempt: '免考',
  not_required: '无需参加',
  pending: '待评定',
}

// 考核结果 fail reasons (server/services/outcome.py FAIL_REASONS)
const FAIL_REASONS = {
  evaluation: '工作成绩、职业道德评定不合格',
  exam: '测评成绩未达合格分数线',
  missed: '未参加考核',
  violation: '违纪不合格',
}

// 首页 registration card (未开通报名 / 已开通报名)
const REGISTRATION = {
  open: '已开通报名',
  closed: '未开通报名',
  left: '已退出当前周期',
}

const FLOWS = {
  main: ASSESSMENT_STATUS,
  status: ASSESSMENT_STATUS,
  modification: MODIFICATION_STATUS,
  exemption: EXEMPTION_STATUS,
  delay: DELAY_STATUS,
  procedure: PROCEDURE,
  result: ITEM_RESULT,
  paper: PAPER_TYPE,
  qtype: QUESTION_TYPE,
}

const FLOW_LABELS = {
  main: '考核进度',
  modification: '申请修改',
  exemption: '申请免考',
  delay: '延期考核',
}

/**
 * The physician's moves (assessment_flow.TRANSITIONS with role PHYSICIAN) as buttons: the
 * server's `actions` list decides which are shown; this table says what each one opens.
 * `label` is the button text on the home page; `server` is the move's label on the server.
 */
const ACTIONS = {
  submit_enrolment: { label: '我要报名', server: '提交信息', page: '/pages/enrol/basic/index', primary: true },
  resubmit_procedure: {
    label: '重新选择考核程序', server: '提交信息', page: '/pages/enrol/procedure/index', primary: true,
  },
  request_modification: { label: '申请修改', server: '申请修改', page: '/pages/enrol/modification/index' },
  submit_modification: { label: '修改信息', server: '提交修改', page: '/pages/enrol/modification/index', primary: true },
  apply_exemption: { label: '申请免考', server: '提交免考申请', page: '/pages/apply/exemption/index' },
  apply_delay: { label: '申请延期考核', server: '申请延期考核', page: '/pages/apply/delay/index' },
}

// Colour of a status tag (app.wxss .tag-*): waiting, action needed, done, refused.
const TONES = {
  not_included: 'grey',
  included: 'blue',
  enrol_submitted: 'wait',
  enrol_returned: 'red',
  enrol_reported: 'wait',
  enrolled: 'wait',
  procedure_returned: 'red',
  evaluated: 'wait',
  awaiting_exam: 'blue',
  exams_done: 'wait',
  qualified: 'green',
  failed: 'red',
  reexam_listed: 'blue',
  reexam_done: 'wait',
  final_failed: 'red',
  left: 'grey',
}

/** The label of a status: label('exemption', 'approved') or label('main', {value, label}). */
function label(flow, value) {
  const table = FLOWS[flow] || {}
  if (value && typeof value === 'object') return table[value.value] || value.label || ''
  if (value === undefined || value === null) return ''
  return table[value] || String(value)
}

function tone(status) {
  const value = status && typeof status === 'object' ? status.value : status
  return TONES[value] || 'grey'
}

function has(actions, action) {
  return (actions || []).some(a => a && a.action === action)
}

/** The server's actions as buttons: [{action, label, page, primary}] in the server's order. */
function buttonsFor(actions) {
  return (actions || [])
    .filter(a => a && ACTIONS[a.action])
    .map(a => Object.assign({ action: a.action }, ACTIONS[a.action]))
}

module.exports = {
  ASSESSMENT_STATUS,
  MODIFICATION_STATUS,
  EXEMPTION_STATUS,
  DELAY_STATUS,
  PROCEDURE,
  ITEM_RESULT,
  PAPER_TYPE,
  QUESTION_TYPE,
  REGISTRATION,
  PAPER_RESULT,
  FAIL_REASONS,
  FLOW_LABELS,
  ACTIONS,
  TONES,
  label,
  tone,
  has,
  buttonsFor,
}
