/**
 * 人脸信息采集授权: the text, the tick, agree → the server → on to the paper's start check.
 */
const { installWx } = require('../helpers/wx')
const { openPage, settle, text } = require('../helpers/page')

const PAGE = 'pages/exam/consent/index'
let wx
let server

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

test('agree needs the tick, then records consent and goes to the start check', async () => {
  server.on('POST /exams/face-consent', { status: 200, body: { consented: true, consented_at: '2024-05-01T10:00:00+08:00' } })
  server.on('POST /exams/humanities/start', { status: 200, body: { id: 40, gate: { required: 'start' } } })
  const page = await openPage(PAGE, { type: 'humanities' })
  expect(text(page, '.title')).toBe('人脸信息采集授权书')
  expect(text(page, '.body')).toContain('标准头像')
  await tapOn(page.querySelector('.agree'))
  expect(text(page, '.error')).toBe('请先阅读并勾选“我已阅读并同意”')
  expect(server.calls('POST /exams/face-consent')).toHaveLength(0)
  await tapOn(page.querySelector('.check'))
  await tapOn(page.querySelector('.agree'))
  await settle()
  expect(server.calls('POST /exams/face-consent')[0].data).toEqual({ agree: true })
  expect(wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/exam/camera/index?id=40&moment=start' })
})

test('disagreeing explains that the exam cannot be taken', async () => {
  const page = await openPage(PAGE, { type: 'humanities' })
  await tapOn(page.querySelector('.disagree'))
  expect(wx.showModal.mock.calls[0][0].content).toContain('未进行人脸信息采集授权将无法参加测评')
  await settle()
  expect(wx.navigateBack).toHaveBeenCalled()
})

test('a refusal of the consent call is shown on the page', async () => {
  server.on('POST /exams/face-consent', 'network')
  const page = await openPage(PAGE, { type: 'humanities' })
  await tapOn(page.querySelector('.check'))
  await tapOn(page.querySelector('.agree'))
  expect(text(page, '.error')).toBe('网络连接失败，请检查网络后重试')
})
