/**
 * 试卷列表 without the page (seed manual 2.2.5: 考核详情 → 试卷列表 → 进入): one row per paper of
 * the physician's procedure with the server's status, attempts used / left, best score, and
 * whether it can be entered — with the server's Chinese reason when not.
 */
const { messageOf } = require('../messages')
const { STORAGE_PREFIX } = require('../../../utils/autosave')

const PAPER = '/pages/exam/paper/index'
const CAMERA = '/pages/exam/camera/index'
const CONSENT = '/pages/exam/consent/index'

// Colour of a paper's status tag (values of exam_rules.paper_status on the server).
const PAPER_TONES = {
  not_started: 'blue',
  in_progress: 'blue',
  awaiting_start: 'blue',
  retry: 'orange',
  passed: 'green',
  failed: 'red',
  locked: 'grey',
  exempt: 'grey',
  not_required: 'grey',
}

function pad(n) {
  return n < 10 ? `0${n}` : String(n)
}

/** An ISO time from the server → "2024-05-01 08:00" in Beijing time (whatever the device's zone). */
function formatTime(iso) {
  if (!iso) return ''
  const ms = Date.parse(iso)
  if (isNaN(ms)) return String(iso)
  const d = new Date(ms + 8 * 3600 * 1000)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
}

function attemptsText(p) {
  if (p.max_attempts <= 1) return p.attempts_used ? '仅1次答题机会，已使用' : '仅1次答题机会'
  return `已答${p.attempts_used}次，剩余${p.attempts_left}次（共${p.max_attempts}次）`
}

function scoreText(p) {
  if (!p.attempts_used) return '暂无成绩'
  if (!p.score_visible) return '成绩待公布'
  return p.best_score === null || p.best_score === undefined ? '暂无成绩' : `最高分 ${p.best_score}`
}

function buttonText(status) {
  if (status === 'in_progress') return '继续答题'
  if (status === 'awaiting_start') return '继续（开考核验）'
  if (status === 'retry') return '再次答题'
  return '进入'
}

/** One paper row for the page. */
function paperRow(p) {
  const status = (p.status && p.status.value) || ''
  const silent = p.exempt || !p.required
  return {
    type: p.paper_type.value,
    label: p.paper_type.label,
    statusLabel: (p.status && p.status.label) || '',
    tone: PAPER_TONES[status] || 'grey',
    exempt: !!p.exempt,
    details: silent ? '' : `${p.question_count}题 · ${p.duration_minutes}分钟 · 合格线${p.pass_line}分`,
    attempts: silent ? '' : attemptsText(p),
    score: silent ? '' : scoreText(p),
    canEnter: !!p.can_enter,
    reason: p.can_enter ? '' : (p.reason || ''),
    buttonText: buttonText(status),
  }
}

function procedureHint(procedure) {
  const value = procedure && procedure.value
  if (value === 'simple') return '简易程序：人文医学测评可多次答题（以答题次数为限），成绩合格即测评通过。'
  if (value === 'general') return '一般程序：先完成人文医学测评，再参加业务水平测评；业务水平测评只有1次答题机会。'
  return ''
}

/** The whole list from GET /exams. */
function listView(data) {
  const w = data.window || {}
  return {
    procedure: (data.procedure && data.procedure.label) || '',
    purpose: (data.purpose && data.purpose.label) || '',
    status: (data.assessment_status && data.assessment_status.label) || '',
    windowLabel: w.label || '',
    windowText: w.start && w.end ? `${formatTime(w.start)} 至 ${formatTime(w.end)}` : '未公布',
    windowOpen: !!w.open,
    consent: !!data.face_consent,
    hint: procedureHint(data.procedure),
    papers: (data.papers || []).map(paperRow),
  }
}

/** Where an attempt goes next: the start face check, or the questions. */
function routeFor(view) {
  if (view && view.gate && view.gate.required === 'start') return `${CAMERA}?id=${view.id}&moment=start`
  return `${PAPER}?id=${view.id}`
}

/**
 * 进入 a paper: 人脸信息采集授权 first if not given; then start (or resume) on the server and
 * go to the start check or the questions. ui: {navigate, redirect, alert(title, text)}.
 * `replace` (from the consent page) replaces the current page instead of stacking one.
 */
async function enter(paperType, { api, ui, consented, replace }) {
  if (!consented) {
    ui.navigate(`${CONSENT}?type=${paperType}`)
    return { consent: true }
  }
  let view
  try {
    view = await api.startExam(paperType)
  } catch (err) {
    if (err && err.code === 'face_consent_required') {
      ui.navigate(`${CONSENT}?type=${paperType}`)
      return { consent: true }
    }
    await ui.alert('暂不能进入测评', messageOf(err, '暂不能进入测评，请稍后重试'))
    return { error: err }
  }
  const url = routeFor(view)
  if (replace) ui.redirect(url)
  else ui.navigate(url)
  return { url, view }
}

/**
 * Answers kept on the device for attempts that are no longer open (submitted by the server at
 * the deadline while the app was closed): the storage keys that can go.
 */
function staleAnswerKeys(keys, data) {
  const open = (data.papers || []).map((p) => p.open_attempt_id).filter((id) => id)
  return (keys || []).filter((k) => k.indexOf(STORAGE_PREFIX) === 0
    && open.indexOf(Number(k.slice(STORAGE_PREFIX.length))) < 0)
}

module.exports = { listView, paperRow, formatTime, routeFor, enter, staleAnswerKeys, PAPER_TONES }
