/**
 * 试卷列表 (考核详情 → 试卷列表 → 进入): the server's rows, reasons and the way in (consent first).
 */
const { installWx } = require('../helpers/wx')
const { openPage, settle, text, texts } = require('../helpers/page')
const { listView, formatTime, staleAnswerKeys } = require('../../pages/exam/list/logic')

const PAGE = 'pages/exam/list/index'
let wx
let server

function exams(overrides = {}) {
  return Object.assign({
    assessment_id: 1,
    assessment_status: { value: 'awaiting_exam', label: '待参加测评' },
    procedure: { value: 'general', label: '一般程序' },
    purpose: { value: 'first', label: '首轮考核' },
    window: { name: 'exam', label: '首轮考核', start: '2024-04-30T16:00:00+00:00', end: '2024-05-31T23:59:00+08:00', open: true },
    face_consent: false,
    server_time: '2024-05-02T10:00:00+08:00',
    papers: [
      {
        paper_type: { value: 'humanities', label: '人文医学' }, required: true, exempt: false,
        status: { value: 'retry', label: '未合格，可再次答题' }, duration_minutes: 60, question_count: 50, pass_line: 60,
        max_attempts: 10, attempts_used: 2, attempts_left: 8, best_score: 55, score_visible: true, passed: false,
        open_attempt_id: null, can_enter: true, reason_code: '', reason: '',
      },
      {
        paper_type: { value: 'professional', label: '业务水平' }, required: true, exempt: false,
        status: { value: 'locked', label: '未解锁' }, duration_minutes: 60, question_count: 100, pass_line: 60,
        max_attempts: 1, attempts_used: 0, attempts_left: 1, best_score: null, score_visible: true, passed: null,
        open_attempt_id: null, can_enter: false, reason_code: 'prerequisite_not_met',
        reason: '请先通过人文医学测评，再参加业务水平测评',
      },
    ],
  }, overrides)
}

beforeEach(() => {
  jest.useFakeTimers()
  ;({ server } = installWx({ token: 't' }))
  wx = global.wx
})

afterEach(() => {
  jest.useRealTimers()
})

async function tapOn(el) {
  el.dispatchEvent('tap')
  await settle()
  await jest.advanceTimersByTimeAsync(0)
  await settle()
}

test('times are shown in Beijing time whatever the zone the server wrote', () => {
  expect(formatTime('2024-04-30T16:00:00+00:00')).toBe('2024-05-01 00:00')
  expect(formatTime('2024-05-31T23:59:00+08:00')).toBe('2024-05-31 23:59')
})

test('the list shows each paper, attempts used and left, best score, and the server reason', async () => {
  server.on('GET /exams', { status: 200, body: exams() })
  const page = await openPage(PAGE)
  expect(texts(page, '.paper-name')).toEqual(['人文医学测评', '业务水平测评'])
  expect(texts(page, '.tag')).toEqual(['未合格，可再次答题', '未解锁'])
  expect(texts(page, '.attempts')).toEqual(['已答2次，剩余8次（共10次）', '仅1次答题机会'])
  expect(texts(page, '.score')).toEqual(['最高分 55', '暂无成绩'])
  expect(texts(page, '.reason')).toEqual(['请先通过人文医学测评，再参加业务水平测评'])
  expect(texts(page, '.enter')).toEqual(['再次答题'])
  expect(text(page, '.window')).toBe('2024-05-01 00:00 至 2024-05-31 23:59')
  expect(text(page, '.consent-hint')).toBe('初次进入测评须进行人脸信息采集授权')
  expect(texts(page, '.hint')[0]).toContain('先完成人文医学测评，再参加业务水平测评')
})

test('hidden scores and exempt papers', () => {
  const data = exams()
  data.papers[0] = Object.assign({}, data.papers[0], { score_visible: false, best_score: null })
  data.papers[1] = Object.assign({}, data.papers[1], { exempt: true, status: { value: 'exempt', label: '免考' }, reason: '业务水平已免考，无需参加测评' })
  const view = listView(data)
  expect(view.papers[0].score).toBe('成绩待公布')
  expect(view.papers[1]).toMatchObject({ statusLabel: '免考', attempts: '', score: '', reason: '业务水平已免考，无需参加测评' })
})

test('进入 without consent opens the consent page first', async () => {
  server.on('GET /exams', { status: 200, body: exams() })
  const page = await openPage(PAGE)
  await tapOn(page.querySelector('.enter'))
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/exam/consent/index?type=humanities' })
  expect(server.calls('POST /exams/humanities/start')).toHaveLength(0)
})

test('进入 with consent starts on the server and goes to the start face check (double tap: once)', async () => {
  server.on('GET /exams', { status: 200, body: exams({ face_consent: true }) })
  server.on('POST /exams/humanities/start', { status: 200, body: { id: 31, gate: { state: 'awaiting_start_check', required: 'start' } } })
  const page = await openPage(PAGE)
  const button = page.querySelector('.enter')
  button.dispatchEvent('tap')
  button.dispatchEvent('tap')
  await jest.advanceTimersByTimeAsync(0)
  await settle()
  expect(server.calls('POST /exams/humanities/start')).toHaveLength(1)
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/exam/camera/index?id=31&moment=start' })
})

test('an attempt under way goes straight to the questions', async () => {
  const data = exams({ face_consent: true })
  data.papers[0] = Object.assign({}, data.papers[0], { status: { value: 'in_progress', label: '答题中' }, open_attempt_id: 31 })
  server.on('GET /exams', { status: 200, body: data })
  server.on('POST /exams/humanities/start', { status: 200, body: { id: 31, gate: { state: 'open', required: null } } })
  const page = await openPage(PAGE)
  expect(text(page, '.enter')).toBe('继续答题')
  await tapOn(page.querySelector('.enter'))
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/exam/paper/index?id=31' })
})

test('a refusal from the server is shown in Chinese as it came', async () => {
  server.on('GET /exams', { status: 200, body: exams({ face_consent: true }) })
  server.on('POST /exams/humanities/start', { status: 409, body: { code: 'window_closed', message: '不在首轮考核时间内，不能参加测评' } })
  const page = await openPage(PAGE)
  await tapOn(page.querySelector('.enter'))
  const modal = wx.showModal.mock.calls.map((c) => c[0]).find((m) => m.title === '暂不能进入测评')
  expect(modal.content).toBe('不在首轮考核时间内，不能参加测评')
  expect(wx.navigateTo).not.toHaveBeenCalled()
})

test('the server asking for consent (face_consent_required) opens the consent page', async () => {
  server.on('GET /exams', { status: 200, body: exams({ face_consent: true }) })
  server.on('POST /exams/humanities/start', { status: 409, body: { code: 'face_consent_required', message: '首次参加测评前，请先进行人脸信息采集授权' } })
  const page = await openPage(PAGE)
  await tapOn(page.querySelector('.enter'))
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/exam/consent/index?type=humanities' })
})

test('a failed load says why and offers to load again', async () => {
  server.on('GET /exams', { status: 409, body: { code: 'no_assessment', message: '您尚未参加本周期考核' } })
  const page = await openPage(PAGE)
  expect(text(page, '.error-text')).toBe('您尚未参加本周期考核')
  server.on('GET /exams', { status: 200, body: exams() })
  await tapOn(page.querySelector('.retry'))
  await settle()
  expect(texts(page, '.paper-name')).toHaveLength(2)
})

test('answers kept for attempts that are no longer open are tidied away', () => {
  const data = exams()
  data.papers[0] = Object.assign({}, data.papers[0], { open_attempt_id: 31 })
  expect(staleAnswerKeys(['exam.answers.31', 'exam.answers.12', 'dkt_token'], data)).toEqual(['exam.answers.12'])
})

test('the 试卷列表 before 确认考核信息 goes back to 考核详情', async () => {
  server.on('GET /exams', { status: 409, body: { code: 'exam_info_unconfirmed', message: '请先在考核详情中确认考核信息，再进入试卷列表' } })
  await openPage(PAGE)
  await settle()
  expect(wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/exam/info/index' })
})
