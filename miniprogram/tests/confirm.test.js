/**
 * pages/enrol/confirm: 确认信息 → 提交信息, with the server's list of what is missing shown on
 * the page; a double tap submits once; no button without the server's action.
 */
const config = require('../config')
const { installWx, toasts } = require('./helpers/wx')
const { openPage, texts, tap, settle } = require('./helpers/page')
const { enrolmentView } = require('./support/enrolment')

const CONFIRM = 'pages/enrol/confirm/index'
let wx
let server

beforeEach(() => {
  ;({ wx, server } = installWx({ token: 'tok' }))
})

describe('确认信息 → 提交信息', () => {
  test('the server\'s incomplete-fields list is shown; a double tap submits once', async () => {
    server.on('GET /enrolment', { status: 200, body: enrolmentView() })
    server.on('POST /enrolment/submit', {
      status: 422,
      body: {
        code: 'enrolment_incomplete', message: '报名信息不完整，请完善：基本信息、选择考核程序',
        details: [
          { step: 'basic', step_label: '基本信息', field: 'photo', label: '照片' },
          { step: 'basic', step_label: '基本信息', field: 'ethnicity', label: '民族' },
          { step: 'procedure', step_label: '选择考核程序', field: 'report', label: '述职报告' },
        ],
      },
    })
    const page = await openPage(CONFIRM)
    expect(texts(page, '.section .card-title')).toEqual(['1. 基本信息', '2. 执业信息', '3. 相关经历', '4. 工作成绩、职业道德自评', '5. 选择考核程序'])
    page.querySelector('.submit-btn').dispatchEvent('tap')
    page.querySelector('.submit-btn').dispatchEvent('tap')
    await settle()
    expect(server.calls('POST /enrolment/submit')).toHaveLength(1)
    expect(texts(page, '.incomplete .missing-item')).toEqual(['基本信息：照片、民族', '选择考核程序：述职报告'])
    expect(toasts(wx)).toEqual(['报名信息不完整，请完善：基本信息、选择考核程序'])
  })

  test('提交信息 asks for 订阅消息, succeeds → back home; without the action there is no button', async () => {
    config.subscribeTemplates.enrolment = ['tpl-review']
    server.on('GET /enrolment', { status: 200, body: enrolmentView() })
    server.on('POST /enrolment/submit', { status: 200, body: { hint: '报名信息已提交，请等待卫生机构审核。' } })
    const page = await openPage(CONFIRM)
    await tap(page, '.submit-btn')
    expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1)
    config.subscribeTemplates.enrolment = []
    expect(wx.showModal.mock.calls[0][0].content).toBe('报名信息已提交，请等待卫生机构审核。')
    expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/home/index' })

    server.on('GET /enrolment', { status: 200, body: enrolmentView({ editable: false, actions: [] }) })
    const viewOnly = await openPage(CONFIRM)
    expect(viewOnly.querySelector('.submit-btn')).toBeFalsy()
  })
})
