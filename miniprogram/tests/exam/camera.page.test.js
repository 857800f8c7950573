/**
 * 人脸核验 (camera page): guidance, takePhoto → upload with the moment, the server's reason on a
 * refusal, retry, and what follows a pass or a refusal of the check itself.
 */
const { installWx } = require('../helpers/wx')
const { openPage, settle, text, texts } = require('../helpers/page')
const { afterCheck } = require('../../pages/exam/camera/logic')

const PAGE = 'pages/exam/camera/index'
let wx
let server
let photo

beforeEach(() => {
  jest.useFakeTimers()
  ;({ server } = installWx({ token: 't' }))
  photo = { fail: false }
  wx = Object.assign(global.wx, {
    createCameraContext: jest.fn(() => ({
      takePhoto: (opts) => Promise.resolve().then(() => (photo.fail ? opts.fail({ errMsg: 'takePhoto:fail' }) : opts.success({ tempImagePath: 'wxfile://tmp/face.jpg' }))),
    })),
    openSetting: jest.fn((opts) => opts.success({ authSetting: { 'scope.camera': true } })),
  })
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

const passed = {
  check: { passed: true, decision: 'passed', reason: '核验通过', moment: { value: 'start' } },
  gate: {},
  attempt: { id: 11, remaining_seconds: 3600, paper: { questions: [] } },
}

test('shows the guidance and uploads the photo with its moment; a pass starts the questions', async () => {
  server.on('POST /attempts/11/face-check', { status: 200, body: passed })
  const page = await openPage(PAGE, { id: '11', moment: 'start' })
  expect(texts(page, '.tip').join('')).toMatch(/光线充足.*正对镜头.*摘下口罩和帽子/)
  expect(text(page, '.intro')).toContain('核验通过后开始计时')
  await tapOn(page.querySelector('.shoot'))
  const [req] = server.calls('POST /attempts/11/face-check')
  expect(req.formData).toEqual({ moment: 'start' })
  expect(req.filePath).toBe('wxfile://tmp/face.jpg')
  expect(wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/exam/paper/index?id=11' })
  expect(require('../../pages/exam/handoff').take(11)).toMatchObject({ id: 11 }) // the questions come along
})

test('a refused face shows the server reason and lets the physician shoot again', async () => {
  server.sequence('POST /attempts/11/face-check', [
    { status: 200, body: { check: { passed: false, decision: 'covered', reason: '画面过暗或摄像头被遮挡，请在光线充足处正对摄像头重新拍摄' } } },
    { status: 200, body: passed },
  ])
  const page = await openPage(PAGE, { id: '11', moment: 'mid' })
  await tapOn(page.querySelector('.shoot'))
  expect(text(page, '.message')).toBe('画面过暗或摄像头被遮挡，请在光线充足处正对摄像头重新拍摄')
  expect(text(page, '.shoot')).toBe('重新拍摄')
  expect(wx.navigateBack).not.toHaveBeenCalled()
  await tapOn(page.querySelector('.shoot'))
  expect(wx.navigateBack).toHaveBeenCalled() // mid: back to the questions
})

test('a network drop during the upload offers to upload the same photo again', async () => {
  server.sequence('POST /attempts/11/face-check', ['network', { status: 200, body: passed }])
  const page = await openPage(PAGE, { id: '11', moment: 'submit' })
  await tapOn(page.querySelector('.shoot'))
  expect(text(page, '.message')).toBe('网络连接失败，照片未上传。请检查网络后点击“重新上传”')
  await tapOn(page.querySelector('.reupload'))
  expect(wx.createCameraContext).toHaveBeenCalledTimes(1)
  expect(server.calls('POST /attempts/11/face-check')).toHaveLength(2)
  expect(wx.navigateBack).toHaveBeenCalled()
})

test('the deadline passed during the check: the message, then back to the paper (its result)', async () => {
  server.on('POST /attempts/11/face-check', { status: 409, body: { code: 'attempt_closed', message: '考试时间已到，已按已保存的答案自动交卷' } })
  const page = await openPage(PAGE, { id: '11', moment: 'mid' })
  await tapOn(page.querySelector('.shoot'))
  expect(wx.showModal.mock.calls[0][0].content).toBe('考试时间已到，已按已保存的答案自动交卷')
  await settle()
  expect(wx.navigateBack).toHaveBeenCalled()
})

test('a window closed before the start check: the message, then the list', async () => {
  server.on('POST /attempts/11/face-check', { status: 409, body: { code: 'window_closed', message: '不在首轮考核时间内，不能开始答题' } })
  const page = await openPage(PAGE, { id: '11', moment: 'start' })
  await tapOn(page.querySelector('.shoot'))
  await settle()
  expect(wx.showModal.mock.calls[0][0].content).toBe('不在首轮考核时间内，不能开始答题')
  expect(wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/exam/list/index' })
})

test('a camera the physician did not allow: how to allow it', async () => {
  const page = await openPage(PAGE, { id: '11', moment: 'start' })
  page.instance.onCameraError({ detail: { errMsg: 'insertCamera:fail auth deny' } })
  await settle()
  expect(text(page, '.message')).toContain('请在设置中允许')
  await tapOn(page.querySelector('.setting'))
  expect(page.data.phase).toBe('ready')
})

test('a failed takePhoto says so', async () => {
  photo.fail = true
  const page = await openPage(PAGE, { id: '11', moment: 'start' })
  await tapOn(page.querySelector('.shoot'))
  expect(text(page, '.message')).toBe('拍照失败，请保持摄像头畅通后重新拍摄')
  expect(server.calls('POST /attempts/11/face-check')).toHaveLength(0)
})

test('afterCheck: what follows each answer', () => {
  expect(afterCheck('start', 5, null, { status: 409, code: 'face_check_not_due', message: '已通过开考核验，无需重复核验' }).next)
    .toEqual({ type: 'redirect', url: '/pages/exam/paper/index?id=5' })
  expect(afterCheck('mid', 5, null, { status: 409, code: 'face_check_not_due', message: '当前无需进行考中核验' }).next)
    .toEqual({ type: 'back' })
  expect(afterCheck('mid', 5, null, { status: 401, authLost: true, message: '登录已失效，请重新登录' }).next.type).toBe('login')
  expect(afterCheck('start', 5, null, { status: 502, code: 'server_error', message: '服务暂时不可用，请稍后再试' }))
    .toMatchObject({ message: '服务暂时不可用，请稍后再试', reupload: true, next: { type: 'stay' } })
})
