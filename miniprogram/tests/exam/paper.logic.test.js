/**
 * pages/exam/paper/logic.js without the page: the views, and the session's countdown-driven
 * moments (warnings, a clock jump, the deadline while offline, a server that disagrees) and
 * silent snapshots.
 */
const logic = require('../../pages/exam/paper/logic')
const { QUESTIONS } = require('./support')

const { toggle, gridView, bannerView, resultView, clockTone, questionView } = logic

function memoryStorage() {
  const data = {}
  return { data, get: (k) => data[k] || '', set: (k, v) => { data[k] = JSON.parse(JSON.stringify(v)) }, remove: (k) => { delete data[k] } }
}

function attempt(overrides = {}) {
  return Object.assign({
    id: 11, paper_type: { value: 'humanities', label: '人文医学' }, attempt_no: 1,
    status: { value: 'in_progress', label: '答题中' }, remaining_seconds: 600, question_count: 3,
    gate: { state: 'open', required: null, submit_check_passed: false }, saved_answers: {},
    paper: { questions: QUESTIONS }, result: null,
  }, overrides)
}

function harness({ api: extraApi = {}, view = attempt() } = {}) {
  const ui = {
    alerts: [], toasts: [], navigated: [], redirected: [],
    toast: (t) => ui.toasts.push(t),
    alert: (title, text) => { ui.alerts.push([title, text]); return Promise.resolve() },
    confirm: () => Promise.resolve(true),
    navigate: (u) => ui.navigated.push(u),
    redirect: (u) => ui.redirected.push(u),
    toList: jest.fn(),
    toLogin: jest.fn(),
    takeSnapshot: jest.fn(() => Promise.resolve('wxfile://snap.jpg')),
  }
  const api = Object.assign({
    getAttempt: jest.fn(() => Promise.resolve(view)),
    saveAnswer: jest.fn((id, position, answer, seq) => Promise.resolve({ applied: true, position, seq, chosen: answer, remaining_seconds: 590 })),
    saveAnswers: jest.fn(),
    getFaceGate: jest.fn(() => Promise.resolve({ gate: view.gate })),
    submitAttempt: jest.fn(() => Promise.resolve(attempt({ status: { value: 'submitted' }, result: { score: 80, score_visible: true, passed: true, pass_line: 60, auto_submitted: true } }))),
    faceCheck: jest.fn(() => Promise.resolve({ check: { passed: true } })),
  }, extraApi)
  let data = {}
  const session = logic.createExamSession({
    api, ui, storage: memoryStorage(), render: (patch) => { data = Object.assign({}, data, patch) }, pollMs: 90000,
  })
  return { session, api, ui, data: () => data }
}

const settle = async () => { for (let i = 0; i < 30; i += 1) await Promise.resolve() }

beforeEach(() => jest.useFakeTimers())
afterEach(() => { jest.clearAllTimers(); jest.useRealTimers() })

describe('views', () => {
  test('toggle: single and judge take the letter; multiple toggles and never empties', () => {
    expect(toggle(QUESTIONS[0], ['A'], 'C')).toEqual(['C'])
    expect(toggle(QUESTIONS[2], [], 'B')).toEqual(['B'])
    expect(toggle(QUESTIONS[1], ['C'], 'A')).toEqual(['A', 'C'])
    expect(toggle(QUESTIONS[1], ['A', 'C'], 'A')).toEqual(['C'])
    expect(toggle(QUESTIONS[1], ['C'], 'C')).toBe(null)
  })

  test('questionView marks the chosen letters', () => {
    const v = questionView(QUESTIONS[1], ['B', 'D'])
    expect(v.multiple).toBe(true)
    expect(v.options.map((o) => o.checked)).toEqual([false, true, false, true])
  })

  test('gridView: empty, saved, pending, failed, current', () => {
    const grid = gridView(QUESTIONS, { 1: ['A'], 2: ['B'] }, { 1: 'saved', 2: 'failed' }, 2)
    expect(grid.map((c) => [c.state, c.current])).toEqual([['saved', false], ['failed', false], ['empty', true]])
  })

  test('bannerView: offline with the unsaved count, failures, the mid check', () => {
    expect(bannerView({ offline: true, unsaved: 2, failed: 2 }).text).toBe('网络已断开：答案已保存在本机，恢复网络后将自动提交（2题未保存）')
    expect(bannerView({ offline: false, unsaved: 1, failed: 1 }).text).toBe('有1题答案尚未保存到服务器，正在重试')
    expect(bannerView({ paused: 'mid', unsaved: 0 }).text).toContain('考中人脸核验')
    expect(bannerView({ offline: false, unsaved: 0, failed: 0 }).show).toBe(false)
  })

  test('resultView hides the score when the province does not show it', () => {
    const v = resultView({ paper_type: { label: '业务水平' }, result: { score: null, score_visible: false, passed: null, auto_submitted: false } })
    expect(v).toMatchObject({ scoreVisible: false, score: '', showPassed: false, headline: '已交卷' })
  })

  test('clockTone turns at 5 and 1 minutes', () => {
    expect([clockTone(400), clockTone(300), clockTone(60)]).toEqual(['', 'warn', 'danger'])
  })
})

describe('session', () => {
  test('the 5-minute and 1-minute warnings come as alerts, once each', async () => {
    const h = harness({ view: attempt({ remaining_seconds: 302 }) })
    await h.session.load(11)
    await jest.advanceTimersByTimeAsync(3000)
    await jest.advanceTimersByTimeAsync(240000)
    const warns = h.ui.alerts.filter(([title]) => title === '时间提醒').map(([, text]) => text)
    expect(warns).toEqual(['距离考试结束还有5分钟，请抓紧作答', '距离考试结束还有1分钟，时间到将按已保存的答案自动交卷'])
    expect(h.data().clockTone).toBe('danger')
  })

  test('every save answer re-syncs the countdown with the server', async () => {
    const h = harness()
    await h.session.load(11)
    expect(h.data().clock).toBe('10:00')
    h.session.choose('A')
    await settle()
    expect(h.data().clock).toBe('09:50') // the save said 590
  })

  test('a clock jump asks the server again instead of ending the exam', async () => {
    const h = harness()
    await h.session.load(11)
    h.api.getAttempt.mockClear()
    jest.setSystemTime(Date.now() + 3600 * 1000) // the device clock set forward
    await jest.advanceTimersByTimeAsync(1000)
    await settle()
    expect(h.api.getAttempt).toHaveBeenCalledTimes(1)
    expect(h.api.submitAttempt).not.toHaveBeenCalled()
    expect(h.data().clock).toBe('10:00') // the server's answer
  })

  test('the deadline while offline: keeps trying to submit, and submits when the network is back', async () => {
    const h = harness({
      view: attempt({ remaining_seconds: 1 }),
      api: { submitAttempt: jest.fn(() => Promise.reject({ code: 'network_error', message: '网络连接失败，请检查网络后重试', status: 0, network: true })) },
    })
    await h.session.load(11)
    await jest.advanceTimersByTimeAsync(3000)
    await settle()
    expect(h.api.submitAttempt).toHaveBeenCalledTimes(1)
    expect(h.data().notice).toBe('考试时间已到。网络恢复后将自动交卷；服务器也会按已保存的答案自动交卷')
    h.api.submitAttempt.mockImplementation(() => Promise.resolve(attempt({ status: { value: 'submitted' }, result: { auto_submitted: true, score_visible: false } })))
    h.session.onNetwork(true)
    await settle()
    expect(h.data().phase).toBe('result')
    expect(h.data().result.headline).toBe('考试时间已到，系统已按已保存的答案自动交卷')
  })

  test('the deadline but the server still has time (device clock fast): re-sync, no camera', async () => {
    const later = attempt({ remaining_seconds: 40 })
    const h = harness({
      view: attempt({ remaining_seconds: 1 }),
      api: { submitAttempt: jest.fn(() => Promise.reject({ status: 409, code: 'face_check_required', message: '请先完成交卷核验（人脸识别）后再继续', details: { moment: 'submit' } })) },
    })
    await h.session.load(11)
    h.api.getAttempt.mockImplementation(() => Promise.resolve(later))
    await jest.advanceTimersByTimeAsync(3000)
    await settle()
    expect(h.ui.navigated).toEqual([])
    expect(h.data().clock).toBe('00:40')
    expect(h.data().submitting).toBe(false)
  })

  test('交卷 before the mid moment: the mid check first, then the submission goes on by itself', async () => {
    const submitted = attempt({ status: { value: 'submitted' }, result: { score: 80, score_visible: true, passed: true, pass_line: 60, auto_submitted: false } })
    const h = harness({
      view: attempt({ gate: { state: 'open', required: null, submit_check_passed: true } }),
      api: { submitAttempt: jest.fn(() => Promise.reject({ status: 409, code: 'face_check_required', message: '请先完成考中核验（人脸识别）后再继续', details: { moment: 'mid' } })) },
    })
    await h.session.load(11)
    await h.session.requestSubmit()
    await settle()
    expect(h.ui.navigated).toEqual([expect.stringContaining('moment=mid')])
    expect(h.session.state.submitting).toBe(true)
    // back from the camera with the mid check passed: the submission is made again
    h.api.submitAttempt.mockImplementation(() => Promise.resolve(submitted))
    await h.session.onShow()
    await settle()
    expect(h.api.submitAttempt).toHaveBeenCalledTimes(2)
    expect(h.data().phase).toBe('result')
  })

  test('back from the mid camera without passing: not submitted, told why', async () => {
    const h = harness({
      view: attempt({ gate: { state: 'open', required: null, submit_check_passed: true } }),
      api: { submitAttempt: jest.fn(() => Promise.reject({ status: 409, code: 'face_check_required', message: '请先完成考中核验', details: { moment: 'mid' } })) },
    })
    await h.session.load(11)
    await h.session.requestSubmit()
    await settle()
    h.api.getAttempt.mockImplementation(() => Promise.resolve(attempt({ gate: { state: 'awaiting_mid_check', required: 'mid' } })))
    await h.session.onShow()
    await settle()
    expect(h.api.submitAttempt).toHaveBeenCalledTimes(1)
    expect(h.data().submitting).toBe(false)
    expect(h.ui.toasts).toContain('交卷前需完成考中人脸核验，试卷尚未提交，请重新点击“交卷”')
  })

  test('answers are refused after the deadline started the automatic submission', async () => {
    const h = harness({ view: attempt({ remaining_seconds: 0 }), api: { submitAttempt: jest.fn(() => new Promise(() => {})) } })
    await h.session.load(11)
    await settle()
    h.session.choose('A')
    expect(h.api.saveAnswer).not.toHaveBeenCalled()
  })

  test('silent snapshots: taken and uploaded when the server asks (once the API supports it)', async () => {
    const h = harness({ view: attempt({ gate: { state: 'open', required: null, snapshot_due: true } }), api: { SNAPSHOTS_SUPPORTED: true } })
    await h.session.load(11)
    await settle()
    expect(h.ui.takeSnapshot).toHaveBeenCalled()
    expect(h.api.faceCheck).toHaveBeenCalledWith(11, 'snapshot', 'wxfile://snap.jpg')
  })

  test('silent snapshots are off while the API does not support them', async () => {
    const h = harness({ view: attempt({ gate: { state: 'open', required: null, snapshot_due: true } }), api: { SNAPSHOTS_SUPPORTED: false } })
    await h.session.load(11)
    await settle()
    expect(h.ui.takeSnapshot).not.toHaveBeenCalled()
  })

  test('a submitted attempt opens on its result and forgets the local answers', async () => {
    const h = harness({ view: attempt({ status: { value: 'submitted' }, result: { score: 70, score_visible: true, passed: true, pass_line: 60 } }) })
    await h.session.load(11)
    expect(h.data().phase).toBe('result')
    expect(h.data().result).toMatchObject({ score: 70, passedText: '合格' })
  })
})

describe('handoff from the start check', () => {
  const handoff = require('../../pages/exam/handoff')

  test('the paper page uses the start check answer instead of fetching the paper again', async () => {
    const h = harness()
    const now = Date.now()
    handoff.put(11, attempt({ remaining_seconds: 3600 }), now - 2500)
    const session = logic.createExamSession({
      api: h.api, ui: h.ui, storage: memoryStorage(), handoff, render: () => {},
    })
    await session.load(11)
    expect(h.api.getAttempt).not.toHaveBeenCalled()
    expect(session.state.countdown.remaining()).toBe(3597) // less the time it waited
  })

  test('taken once, only for the same attempt, only while fresh', () => {
    const now = Date.now()
    handoff.put(11, attempt(), now)
    expect(handoff.take(12, now)).toBe(null)
    handoff.put(11, attempt(), now)
    expect(handoff.take(11, now)).not.toBe(null)
    expect(handoff.take(11, now)).toBe(null)
    handoff.put(11, attempt(), now - 20000)
    expect(handoff.take(11, now)).toBe(null)
    handoff.put(11, attempt({ paper: null }), now)
    expect(handoff.take(11, now)).toBe(null)
  })
})
