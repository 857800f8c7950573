/**
 * services/: each call goes to the server's path with the body the schemas expect;
 * subscribe.js never blocks a submit; results.js downloads and opens the PDF.
 */
const config = require('../config')
const { installWx } = require('./helpers/wx')

let wx
let server

beforeEach(() => {
  jest.resetModules()
  ;({ wx, server } = installWx({ token: 'tok' }))
})

describe('auth', () => {
  test('login upper-cases the ID number, sends the wx.login code and keeps the token', async () => {
    const auth = require('../services/auth')
    server.on('POST /auth/login', { status: 200, body: { token: 'new', must_change_password: true, needs_phone: true } })
    const result = await auth.login({ idNumber: ' 11010119900307002x ', password: '666666' })
    expect(result.must_change_password).toBe(true)
    const [req] = server.calls('POST /auth/login')
    expect(req.data).toEqual({ id_number: '11010119900307002X', password: '666666', code: 'wx-code' })
    expect(req.token).toBe('')
    expect(wx.getStorageSync('dkt_token')).toBe('new')
  })

  test('login works without a WeChat code', async () => {
    const auth = require('../services/auth')
    wx.login.mockImplementation(opts => opts.fail({ errMsg: 'login:fail' }))
    server.on('POST /auth/login', { status: 200, body: { token: 'new' } })
    await auth.login({ idNumber: 'E1234567', password: 'x' })
    expect(server.calls('POST /auth/login')[0].data).toEqual({ id_number: 'E1234567', password: 'x' })
  })

  test('set-up calls: password, SMS code, phone binding; logout forgets the token', async () => {
    const auth = require('../services/auth')
    server.on('POST /auth/password', { status: 200, body: { ok: true } })
    server.on('POST /auth/sms-code', { status: 200, body: { expires_in: 300, resend_after: 60 } })
    server.on('POST /auth/bind-phone', { status: 200, body: { ok: true } })
    server.on('POST /auth/logout', { status: 200, body: { ok: true } })
    await auth.changePassword({ oldPassword: '666666', newPassword: 'Abcd1234' })
    await expect(auth.sendSmsCode('13800138000')).resolves.toEqual({ expires_in: 300, resend_after: 60 })
    await auth.bindPhone({ phone: '13800138000', smsCode: '123456' })
    expect(server.calls('POST /auth/password')[0].data).toEqual({ old_password: '666666', new_password: 'Abcd1234' })
    expect(server.calls('POST /auth/bind-phone')[0].data).toEqual({ phone: '13800138000', sms_code: '123456' })
    await auth.logout()
    expect(wx.getStorageSync('dkt_token')).toBe('')
  })
})

describe('assessment and applications', () => {
  test('paths and bodies', async () => {
    const assessment = require('../services/assessment')
    const applications = require('../services/applications')
    ;['PUT /enrolment/practice', 'POST /procedure/resubmit', 'POST /modification/request', 'PUT /modification',
      'POST /exemption', 'POST /delay'].forEach(route => server.on(route, { status: 200, body: { ok: true } }))
    server.on('POST /uploads', { status: 201, body: { data: [{ id: 'u1', name: 'a.pdf' }] } })

    await assessment.saveStep('practice', { department_id: 3 })
    await assessment.resubmitProcedure({ procedure: 'general' }, null)
    await assessment.requestModification('')
    await assessment.saveModification({ basic: { email: 'a@b.cn' } })
    await applications.applyExemption({ reasonIds: [1, 2], proofIds: ['u1'], note: '' })
    await applications.applyDelay('外出进修')
    await expect(applications.uploadProof('wxfile://tmp/a.pdf')).resolves.toEqual({ id: 'u1', name: 'a.pdf' })

    expect(server.calls('PUT /enrolment/practice')[0].data).toEqual({ department_id: 3 })
    expect(server.calls('POST /procedure/resubmit')[0].data).toEqual({ procedure: 'general' })
    expect(server.calls('POST /modification/request')[0].data).toEqual({})
    expect(server.calls('PUT /modification')[0].data).toEqual({ basic: { email: 'a@b.cn' } })
    expect(server.calls('POST /exemption')[0].data).toEqual({ reason_ids: [1, 2], proof_ids: ['u1'], note: '' })
    expect(server.calls('POST /delay')[0].data).toEqual({ reason: '外出进修' })
    expect(server.calls('POST /uploads')[0].name).toBe('file')
  })
})

describe('practice', () => {
  test('questions and answers', async () => {
    const practice = require('../services/practice')
    server.on('GET /practice/questions', { status: 200, body: { data: [{ question_id: 5 }] } })
    server.on('POST /practice/answers', { status: 200, body: { data: [{ question_id: 5, correct: true }] } })
    server.on('DELETE /practice/wrong-answers/5', { status: 200, body: { removed: true } })
    await expect(practice.questions({ paperType: 'humanities', knowledgePoint: '医学伦理' })).resolves.toEqual([{ question_id: 5 }])
    expect(server.calls('GET /practice/questions')[0].query).toEqual({ paper_type: 'humanities', knowledge_point: '医学伦理', count: 10 })
    await practice.submitAnswers([{ question_id: 5, answer: ['A'] }])
    expect(server.calls('POST /practice/answers')[0].data).toEqual({ answers: [{ question_id: 5, answer: ['A'] }] })
    await practice.removeWrong(5)
    expect(server.calls('DELETE /practice/wrong-answers/5')).toHaveLength(1)
  })
})

describe('results', () => {
  test('下载考核结果通知书: downloaded with the token, opened as a PDF', async () => {
    const results = require('../services/results')
    server.on('GET /results/certificate', { status: 200, file: '%PDF' })
    const path = await results.downloadCertificate()
    expect(server.calls('GET /results/certificate')[0].token).toBe('tok')
    expect(wx.openDocument).toHaveBeenCalledWith(expect.objectContaining({ filePath: path, fileType: 'pdf', showMenu: true }))
  })

  test('not 合格: the server\'s reason, nothing opened', async () => {
    const results = require('../services/results')
    server.on('GET /results/certificate', { status: 409, body: { code: 'not_qualified', message: '考核结果为合格后方可下载考核结果通知书' } })
    await expect(results.downloadCertificate()).rejects.toMatchObject({ code: 'not_qualified' })
    expect(wx.openDocument).not.toHaveBeenCalled()
    expect(wx.showToast.mock.calls[0][0].title).toBe('考核结果为合格后方可下载考核结果通知书')
  })
})

describe('subscribe', () => {
  afterEach(() => {
    config.subscribeTemplates.application = []
  })

  test('no template configured: nothing is asked', async () => {
    const subscribe = require('../services/subscribe')
    await expect(subscribe.ask('application')).resolves.toMatchObject({ asked: false })
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled()
  })

  test('the accepted templates are reported; a refusal or an error never rejects', async () => {
    require('../config').subscribeTemplates.application = ['t1', 't2', 't3', 't4']
    const subscribe = require('../services/subscribe')
    wx.requestSubscribeMessage.mockImplementation(opts => opts.success({ t1: 'accept', t2: 'reject', t3: 'ban' }))
    await expect(subscribe.ask('application')).resolves.toEqual({
      asked: true, accepted: ['t1'], result: { t1: 'accept', t2: 'reject', t3: 'ban' },
    })
    expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual(['t1', 't2', 't3']) // WeChat takes 3
    wx.requestSubscribeMessage.mockImplementation(opts => opts.fail({ errMsg: 'requestSubscribeMessage:fail cancel' }))
    await expect(subscribe.ask('application')).resolves.toMatchObject({ asked: true, accepted: [] })
  })
})
