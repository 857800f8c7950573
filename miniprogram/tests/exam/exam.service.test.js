/**
 * services/exam.js: the exact routes, methods and bodies of server/routes/mp/exams.py, through
 * request.js (in-exam calls are silent and never redirect to login on their own).
 */
const { installWx } = require('../helpers/wx')

let wx
let server
let exam

beforeEach(() => {
  jest.resetModules()
  ;({ wx, server } = installWx({ token: 't' }))
  exam = require('../../services/exam')
})

test('list, consent, start, resume', async () => {
  server.on('GET /exams', { status: 200, body: { papers: [] } })
  server.on('POST /exams/face-consent', { status: 200, body: { consented: true } })
  server.on('POST /exams/professional/start', { status: 200, body: { id: 3 } })
  server.on('GET /attempts/3', { status: 200, body: { id: 3 } })
  await exam.listExams()
  await exam.giveFaceConsent()
  await exam.startExam('professional')
  await exam.getAttempt(3)
  expect(server.calls('POST /exams/face-consent')[0].data).toEqual({ agree: true })
  expect(wx.request.mock.calls.map((c) => c[0].url)).toEqual([
    'http://127.0.0.1:8000/api/v1/mp/exams',
    'http://127.0.0.1:8000/api/v1/mp/exams/face-consent',
    'http://127.0.0.1:8000/api/v1/mp/exams/professional/start',
    'http://127.0.0.1:8000/api/v1/mp/attempts/3',
  ])
})

test('save one, save many, submit, face gate', async () => {
  server.on('PUT /attempts/3/answers/2', { status: 200, body: { applied: true } })
  server.on('PUT /attempts/3/answers', { status: 200, body: { results: [] } })
  server.on('POST /attempts/3/submit', { status: 200, body: {} })
  server.on('GET /attempts/3/face-gate', { status: 200, body: { gate: {} } })
  await exam.saveAnswer(3, 2, ['A', 'C'], 9)
  await exam.saveAnswers(3, [{ position: 1, answer: ['B'], seq: 10, state: 'pending' }])
  await exam.submitAttempt(3)
  await exam.getFaceGate(3)
  expect(server.calls('PUT /attempts/3/answers/2')[0].data).toEqual({ answer: ['A', 'C'], seq: 9 })
  expect(server.calls('PUT /attempts/3/answers')[0].data).toEqual({ answers: [{ position: 1, answer: ['B'], seq: 10 }] })
})

test('face check uploads the picture with its moment', async () => {
  server.on('POST /attempts/3/face-check', { status: 200, body: { check: { passed: true } } })
  const out = await exam.faceCheck(3, 'mid', 'wxfile://a.jpg')
  expect(out.check.passed).toBe(true)
  const call = wx.uploadFile.mock.calls[0][0]
  expect(call).toMatchObject({ url: 'http://127.0.0.1:8000/api/v1/mp/attempts/3/face-check', filePath: 'wxfile://a.jpg', name: 'image', formData: { moment: 'mid' } })
})

test('in-exam failures are silent (the page says it) and a lost login does not leave the page', async () => {
  server.on('PUT /attempts/3/answers/1', { status: 401, body: { code: 'unauthorized', message: '请先登录' } })
  server.on('POST /auth/wechat-login', { status: 409, body: { code: 'wechat_not_bound', message: '该微信未绑定医师账号' } })
  await expect(exam.saveAnswer(3, 1, ['A'], 1)).rejects.toMatchObject({ status: 401, authLost: true })
  expect(wx.showToast).not.toHaveBeenCalled()
  expect(wx.reLaunch).not.toHaveBeenCalled()
})
