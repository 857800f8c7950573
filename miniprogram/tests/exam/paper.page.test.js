/**
 * The paper page rendered with miniprogram-simulate (real WXML, real services/request.js and
 * services/exam.js, a fake wx with a fake exam server behind wx.request).
 */
const { installWx } = require('../helpers/wx')
const { openPage, settle, text, texts } = require('../helpers/page')
const { examServer } = require('./support')

const PAGE = 'pages/exam/paper/index'
let wx
let server
let exam
let netListeners

beforeEach(() => {
  jest.useFakeTimers()
  ;({ wx, server } = installWx({ token: 'old-token' }))
  netListeners = []
  // installWx returns its fake; the page sees global.wx (the fake merged into simulate's mocks)
  wx = Object.assign(global.wx, {
    onNetworkStatusChange: jest.fn((fn) => netListeners.push(fn)),
    offNetworkStatusChange: jest.fn(),
    setKeepScreenOn: jest.fn(),
    enableAlertBeforeUnload: jest.fn(),
    createCameraContext: jest.fn(),
  })
  exam = examServer(server)
})

afterEach(() => {
  jest.clearAllTimers()
  jest.useRealTimers()
})

async function tapOn(el) {
  el.dispatchEvent('tap')
  await settle()
  await jest.advanceTimersByTimeAsync(0) // simulate delivers events on a timer
  await settle()
}

async function open(query = { id: '11' }) {
  const page = await openPage(PAGE, query)
  await settle()
  return page
}

const modals = () => wx.showModal.mock.calls.map((c) => c[0])
const saves = () => server.requests.filter((r) => r.method === 'PUT')

test('renders the question with A/B/C/D, the countdown from the server and the sheet', async () => {
  const page = await open()
  expect(text(page, '.title')).toBe('人文医学测评')
  expect(text(page, '.clock')).toBe('剩余时间 59:00')
  expect(text(page, '.stem')).toBe('医师在执业活动中应当遵守的是')
  expect(texts(page, '.letter')).toEqual(['A', 'B', 'C', 'D'])
  expect(text(page, '.q-type')).toBe('单选题')
  expect(wx.setKeepScreenOn).toHaveBeenCalledWith({ keepScreenOn: true })
  await tapOn(page.querySelector('.sheet-toggle'))
  expect(texts(page, '.cell')).toEqual(['1', '2', '3'])
})

test('selecting an option saves it: 已保存 and the grid shows it saved', async () => {
  const page = await open()
  await tapOn(page.querySelectorAll('.option')[1])
  expect(saves()).toHaveLength(1)
  expect(saves()[0].data).toEqual({ answer: ['B'], seq: 1 })
  expect(exam.st.stored[1]).toEqual({ chosen: ['B'], seq: 1 })
  expect(text(page, '.save')).toBe('已保存')
  expect(page.querySelectorAll('.option')[1].dom.className).toContain('checked')
  await tapOn(page.querySelector('.sheet-toggle'))
  expect(page.querySelectorAll('.cell')[0].dom.className).toContain('saved')
})

test('multiple choice toggles letters and never sends an empty answer', async () => {
  const page = await open()
  await tapOn(page.querySelector('.next'))
  expect(text(page, '.q-type')).toBe('多选题')
  await tapOn(page.querySelectorAll('.option')[0])
  await tapOn(page.querySelectorAll('.option')[2])
  expect(exam.st.stored[2].chosen).toEqual(['A', 'C'])
  await tapOn(page.querySelectorAll('.option')[0])
  await tapOn(page.querySelectorAll('.option')[2]) // would be empty: refused with a hint
  expect(exam.st.stored[2].chosen).toEqual(['C'])
  expect(wx.showToast.mock.calls.map((c) => c[0].title)).toContain('多选题至少需保留一个选项，可直接选择其他选项修改答案')
})

test('network drop during an answer: 未保存 banner, kept on the device, saved after the retry', async () => {
  const page = await open()
  exam.st.offline = true
  await tapOn(page.querySelectorAll('.option')[0])
  expect(text(page, '.save')).toBe('未保存，将自动重试')
  expect(text(page, '.banner')).toBe('网络已断开：答案已保存在本机，恢复网络后将自动提交（1题未保存）')
  expect(wx.setStorageSync).toHaveBeenCalledWith('exam.answers.11', expect.objectContaining({
    entries: expect.objectContaining({ 1: expect.objectContaining({ answer: ['A'] }) }),
  }))
  expect(wx.showToast).not.toHaveBeenCalled() // no toast storm: the banner says it
  exam.st.offline = false
  netListeners.forEach((fn) => fn({ isConnected: true, networkType: 'wifi' }))
  await settle()
  expect(exam.st.stored[1]).toEqual({ chosen: ['A'], seq: 1 })
  expect(text(page, '.save')).toBe('已保存')
  expect(page.querySelector('.banner')).toBeFalsy()
})

test('network drop: the backoff timer retries by itself', async () => {
  const page = await open()
  exam.st.offline = true
  await tapOn(page.querySelectorAll('.option')[3])
  exam.st.offline = false
  await jest.advanceTimersByTimeAsync(1100)
  await settle()
  expect(exam.st.stored[1].chosen).toEqual(['D'])
  expect(text(page, '.save')).toBe('已保存')
})

test('a 401 mid-exam: request.js logs in again through wx.login and the answer is saved', async () => {
  exam.st.expireToken = 'old-token'
  const page = await open() // GET with the old token → 401 → wx.login → wechat-login → retry
  expect(wx.login).toHaveBeenCalledTimes(1)
  await tapOn(page.querySelectorAll('.option')[1])
  expect(exam.st.stored[1]).toEqual({ chosen: ['B'], seq: 1 })
  expect(saves()[0].token).toBe('new-token')
  expect(server.calls('POST /auth/wechat-login')[0].data).toEqual({ code: 'wx-code' })
  expect(wx.reLaunch).not.toHaveBeenCalled()
  expect(text(page, '.save')).toBe('已保存')
})

test('a 401 on a save in the middle of the exam re-logs in once and retries the save', async () => {
  const page = await open()
  exam.st.expireToken = 'old-token'
  await tapOn(page.querySelectorAll('.option')[2])
  expect(wx.login).toHaveBeenCalledTimes(1)
  expect(saves().map((r) => r.token)).toEqual(['old-token', 'new-token'])
  expect(exam.st.stored[1].chosen).toEqual(['C'])
})

test('a login that cannot be renewed keeps the answers and says so, then goes to login', async () => {
  const page = await open()
  exam.st.expireToken = 'old-token'
  server.on('POST /auth/wechat-login', { status: 409, body: { code: 'wechat_not_bound', message: '该微信未绑定医师账号' } })
  await tapOn(page.querySelectorAll('.option')[0])
  await settle()
  expect(modals().map((m) => m.content)).toContain('登录已失效。已作答的答案保存在本机，重新登录后再次进入本试卷即可继续作答并自动提交。')
  expect(wx.getStorageSync('exam.answers.11').entries['1'].answer).toEqual(['A'])
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/login/index' })
})

test('a double tap on 交卷 sends one submit and shows the result', async () => {
  exam.st.gate.submit_check_passed = true
  const page = await open()
  await tapOn(page.querySelectorAll('.option')[0])
  const button = page.querySelector('.submit')
  button.dispatchEvent('tap')
  button.dispatchEvent('tap')
  await jest.advanceTimersByTimeAsync(0)
  await settle()
  await settle()
  expect(server.calls('POST /attempts/11/submit')).toHaveLength(1)
  expect(modals().filter((m) => m.title === '确认交卷')).toHaveLength(1)
  expect(text(page, '.result-headline')).toBe('已交卷')
  expect(text(page, '.score')).toBe('66.7')
  expect(wx.getStorageSync('exam.answers.11')).toBe('')
})

test('交卷 without the submit check goes to the camera; back with it passed, it submits', async () => {
  const page = await open()
  await tapOn(page.querySelector('.submit'))
  await settle()
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/exam/camera/index?id=11&moment=submit' })
  expect(page.data.submitting).toBe(true)
  exam.st.gate.submit_check_passed = true
  await page.instance.onShow()
  await settle()
  expect(server.calls('POST /attempts/11/submit')).toHaveLength(1)
  expect(text(page, '.result-headline')).toBe('已交卷')
})

test('交卷 with unsaved answers (offline) is held back with a Chinese message', async () => {
  const page = await open()
  exam.st.offline = true
  await tapOn(page.querySelectorAll('.option')[0])
  await tapOn(page.querySelector('.submit'))
  await settle()
  expect(modals().map((m) => m.content)).toContain('还有1题答案未保存到服务器（网络异常），请检查网络，待答案保存后再交卷。')
  expect(server.calls('POST /attempts/11/submit')).toHaveLength(0)
  expect(page.data.submitting).toBe(false)
})

test('the window closing (409 attempt_closed) shows the Chinese message and the result', async () => {
  const page = await open()
  exam.st.closed = { code: 'attempt_closed', message: '考试时间已到，已按已保存的答案自动交卷' }
  exam.st.status = 'submitted' // the server finalised it
  exam.st.autoSubmitted = true
  await tapOn(page.querySelectorAll('.option')[0])
  await settle()
  expect(modals().map((m) => m.content)).toContain('考试时间已到，已按已保存的答案自动交卷')
  expect(text(page, '.result-headline')).toBe('考试时间已到，系统已按已保存的答案自动交卷')
})

test('the server asks for the mid check: prompt, camera page, then the kept answer is sent', async () => {
  const page = await open()
  exam.st.midDue = true
  await tapOn(page.querySelectorAll('.option')[1])
  await settle()
  expect(modals().map((m) => m.title)).toContain('考中人脸核验')
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/exam/camera/index?id=11&moment=mid' })
  expect(text(page, '.banner')).toContain('请先完成考中人脸核验')
  exam.st.midDue = false // the camera page passed it
  await page.instance.onShow()
  await settle()
  expect(exam.st.stored[1].chosen).toEqual(['B'])
  expect(text(page, '.save')).toBe('已保存')
})

test('the gate poll finds a mid check due while nothing is being saved', async () => {
  await open()
  exam.st.midDue = true
  await jest.advanceTimersByTimeAsync(90000)
  await settle()
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/exam/camera/index?id=11&moment=mid' })
})

test('at the deadline it submits automatically with what was saved', async () => {
  exam.st.remaining = 3
  const page = await open()
  await tapOn(page.querySelectorAll('.option')[0])
  exam.st.remaining = 0
  await jest.advanceTimersByTimeAsync(5000)
  await settle()
  expect(server.calls('POST /attempts/11/submit')).toHaveLength(1)
  expect(text(page, '.result-headline')).toBe('考试时间已到，系统已按已保存的答案自动交卷')
})

test('resume after the app was killed: unsent answers from storage are sent on load', async () => {
  wx.setStorageSync('exam.answers.11', {
    v: 1, attemptId: 11, lastSeq: 2,
    entries: { 1: { answer: ['C'], seq: 1, state: 'saved' }, 3: { answer: ['B'], seq: 2, state: 'pending' } },
  })
  exam.st.stored[1] = { chosen: ['C'], seq: 1 }
  const page = await open()
  expect(exam.st.stored[3]).toEqual({ chosen: ['B'], seq: 2 })
  expect(page.querySelectorAll('.option')[2].dom.className).toContain('checked')
  await tapOn(page.querySelector('.sheet-toggle'))
  expect(page.querySelectorAll('.cell').map((c) => c.dom.className.indexOf('saved') >= 0)).toEqual([true, false, true])
})

test('an attempt waiting for the start check goes to the camera page', async () => {
  exam.st.gate = { state: 'awaiting_start_check', required: 'start', start_check_passed: false }
  await open()
  expect(wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/exam/camera/index?id=11&moment=start' })
})

test('loading offline shows a retry with the reassurance that answers are kept', async () => {
  exam.st.offline = true
  const page = await open()
  expect(text(page, '.error-text')).toBe('试卷加载失败，请检查网络后重试（已作答的答案保存在本机，不会丢失）')
  exam.st.offline = false
  await tapOn(page.querySelector('.retry'))
  await settle()
  expect(text(page, '.stem')).toBe('医师在执业活动中应当遵守的是')
})

test('losing the network shows the banner at once; it goes when the network is back', async () => {
  const page = await open()
  netListeners.forEach((fn) => fn({ isConnected: false, networkType: 'none' }))
  await settle()
  expect(text(page, '.banner')).toBe('网络已断开：答案已保存在本机，恢复网络后将自动提交')
  netListeners.forEach((fn) => fn({ isConnected: true, networkType: 'wifi' }))
  await settle()
  expect(page.querySelector('.banner')).toBeFalsy()
})

test('back from the background offline: the countdown goes on from the last server answer', async () => {
  const page = await open()
  page.instance.onHide()
  exam.st.offline = true
  await jest.advanceTimersByTimeAsync(60000)
  await page.instance.onShow()
  await jest.advanceTimersByTimeAsync(1000)
  await settle()
  expect(text(page, '.clock')).toBe('剩余时间 57:59')
})
