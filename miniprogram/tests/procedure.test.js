/**
 * pages/enrol/procedure: 简易程序 conditions, proofs, the 述职报告 counter (2001 characters are
 * blocked, nothing is cut off), 一般程序, and 重新选择考核程序 → 提交信息 after a 驳回.
 */
const config = require('../config')
const { installWx, toasts } = require('./helpers/wx')
const { openPage, text, texts, tap, input, settle } = require('./helpers/page')
const { enrolmentView } = require('./support/enrolment')

const PAGE = 'pages/enrol/procedure/index'
let wx
let server

beforeEach(() => {
  ;({ wx, server } = installWx({ token: 'tok' }))
  config.subscribeTemplates.enrolment = []
})

describe('选择考核程序', () => {
  test('简易程序: conditions, proofs and a live 0/2000 counter', async () => {
    server.on('GET /enrolment', { status: 200, body: enrolmentView() })
    const page = await openPage(PAGE)
    expect(texts(page, '.condition-text')).toEqual(['本周期内未发生医疗事故', '获得市级以上表彰', '连续从事本专业工作满15年'])
    expect(page.data.conditions.map(c => c.checked)).toEqual([false, true, false])
    expect(texts(page, '.proof-name')).toEqual(['执业证书.pdf'])
    expect(text(page, '.report-counter')).toBe('0/2000')
    await input(page, '.report', '本人本周期内认真履职')
    expect(text(page, '.report-counter')).toBe('10/2000')
  })

  test('2000 characters are fine; 2001 are blocked with the counter in red and no request', async () => {
    server.on('GET /enrolment', { status: 200, body: enrolmentView() })
    server.on('PUT /enrolment/procedure', { status: 200, body: { missing: [] } })
    const page = await openPage(PAGE)

    await input(page, '.report', '述'.repeat(2000))
    expect(text(page, '.report-counter')).toBe('2000/2000')
    expect(page.data.reportOver).toBe(false)
    expect(page.querySelector('.report-error')).toBeFalsy()

    await input(page, '.report', '述'.repeat(2001))
    expect(text(page, '.report-counter')).toBe('2001/2000')
    expect(page.querySelector('.report-counter').dom.className).toContain('over')
    expect(text(page, '.report-error')).toBe('述职报告不能超过2000字，请删减后再提交')
    expect(page.data.reportOver).toBe(true)
    await tap(page, '.next-btn')
    await tap(page, '.save-btn')
    expect(server.calls('PUT /enrolment/procedure')).toHaveLength(0)
    expect(toasts(wx)).toEqual(['述职报告不能超过2000字', '述职报告不能超过2000字'])
    expect(wx.navigateTo).not.toHaveBeenCalled()
    expect(page.data.form.report).toHaveLength(2001) // nothing typed is cut off
  })

  test('characters are counted as the server counts them (an emoji is one)', async () => {
    server.on('GET /enrolment', { status: 200, body: enrolmentView() })
    const page = await openPage(PAGE)
    await input(page, '.report', '😀'.repeat(2000))
    expect(text(page, '.report-counter')).toBe('2000/2000')
    expect(page.data.reportOver).toBe(false)
  })

  test('确认信息 saves the choice (conditions, proofs, report) and opens 确认信息', async () => {
    server.on('GET /enrolment', { status: 200, body: enrolmentView() })
    server.on('PUT /enrolment/procedure', { status: 200, body: { missing: [] } })
    server.on('POST /uploads', { status: 201, body: { data: [{ id: 'p2', name: 'tmp.pdf' }] } })
    const page = await openPage(PAGE)
    wx.showActionSheet.mockImplementation(opts => Promise.resolve().then(() => opts.success({ tapIndex: 1 })))
    await tap(page, '.proof-btn')
    expect(texts(page, '.proof-name')).toEqual(['执业证书.pdf', '证明.pdf'])
    page.querySelector('.conditions').dispatchEvent('change', { detail: { value: ['0', '2'] } })
    await settle()
    await input(page, '.report', '述职报告正文')
    await tap(page, '.next-btn')
    expect(server.calls('PUT /enrolment/procedure')[0].data).toEqual({
      procedure: 'simple', conditions: [0, 2], proof_ids: ['p1', 'p2'], report: '述职报告正文',
    })
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/enrol/confirm/index' })
  })

  test('一般程序 sends nothing but the choice; without a choice nothing is sent', async () => {
    const view = enrolmentView()
    view.steps[4].data = { procedure: null }
    server.on('GET /enrolment', { status: 200, body: view })
    server.on('PUT /enrolment/procedure', { status: 200, body: { missing: [] } })
    const page = await openPage(PAGE)
    await tap(page, '.save-btn')
    expect(toasts(wx)).toEqual(['请选择考核程序'])
    page.querySelector('.procedure').dispatchEvent('change', { detail: { value: 'general' } })
    await settle()
    expect(page.querySelector('.report')).toBeFalsy()
    await tap(page, '.save-btn')
    expect(server.calls('PUT /enrolment/procedure')[0].data).toEqual({ procedure: 'general' })
  })

  test('待重新选择考核程序: 提交信息 asks for 订阅消息, then resubmits once', async () => {
    config.subscribeTemplates.enrolment = ['tpl-review']
    const view = enrolmentView({
      editable: false, status: { value: 'procedure_returned', label: '待重新选择考核程序' },
      actions: [{ action: 'resubmit_procedure', label: '提交信息', flow: 'main' }],
    })
    server.on('GET /enrolment', { status: 200, body: view })
    server.on('POST /procedure/resubmit', { status: 200, body: { hint: '报名成功，请等待卫生机构评定工作成绩、职业道德。' } })
    const page = await openPage(PAGE)
    expect(page.querySelector('.save-btn')).toBeFalsy()
    expect(text(page, '.resubmit-btn')).toBe('提交信息')
    await input(page, '.report', '重新填写的述职报告')
    await input(page, '.professional-level', '业务熟练')
    page.querySelector('.resubmit-btn').dispatchEvent('tap')
    page.querySelector('.resubmit-btn').dispatchEvent('tap') // double tap
    await settle()
    expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1)
    expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual(['tpl-review'])
    const calls = server.calls('POST /procedure/resubmit')
    expect(calls).toHaveLength(1)
    expect(calls[0].data).toEqual({
      procedure: 'simple', conditions: [1], proof_ids: ['p1'], report: '重新填写的述职报告',
      self_assessment: { work_performance: '认真', ethics: '良好', professional_level: '业务熟练' },
    })
    expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/home/index' })
  })
})
