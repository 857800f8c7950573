/**
 * pages/apply/exemption: the province's reasons, proofs, 提交免考申请 only when the server's
 * actions allow it; 订阅消息 asked first; reasons and proofs required.
 */
const config = require('../config')
const { installWx, toasts } = require('./helpers/wx')
const { openPage, text, texts, tap, settle } = require('./helpers/page')

const PAGE = 'pages/apply/exemption/index'
let wx
let server

function view(overrides) {
  return Object.assign({
    paper: { value: 'professional', label: '业务水平' },
    procedure: { value: 'general', label: '一般程序' },
    open: true,
    can_apply: true,
    reasons: [{ id: 11, text: '获得省级以上医学类奖项' }, { id: 12, text: '取得高级职称且本周期无不良记录' }],
    status: { value: 'none', label: '未申请' },
    last_reason: '',
    application: null,
    actions: [{ action: 'apply_exemption', label: '提交免考申请', flow: 'exemption' }],
  }, overrides)
}

beforeEach(() => {
  ;({ wx, server } = installWx({ token: 'tok' }))
})

afterEach(() => {
  config.subscribeTemplates.application = []
})

test('apply: reasons and proofs required, then one request after the subscribe dialog', async () => {
  config.subscribeTemplates.application = ['tpl-result']
  server.on('GET /exemption', { status: 200, body: view() })
  server.on('POST /uploads', { status: 201, body: { data: [{ id: 'u1', name: 'tmp' }] } })
  server.on('POST /exemption', { status: 200, body: { hint: 'ok' } })
  const page = await openPage(PAGE)
  expect(text(page, '.paper')).toBe('业务水平测评')
  expect(text(page, '.exemption-status')).toBe('未申请')
  expect(texts(page, '.reason-text')).toEqual(['获得省级以上医学类奖项', '取得高级职称且本周期无不良记录'])

  await tap(page, '.apply-btn')
  expect(toasts(wx).pop()).toBe('请勾选适用的免考理由')
  page.querySelector('.reasons').dispatchEvent('change', { detail: { value: ['12'] } })
  await settle()
  await tap(page, '.apply-btn')
  expect(toasts(wx).pop()).toBe('请上传证明材料')
  wx.showActionSheet.mockImplementation(opts => Promise.resolve().then(() => opts.success({ tapIndex: 1 })))
  await tap(page, '.proof-btn')
  expect(texts(page, '.proof-name')).toEqual(['证明.pdf'])

  page.querySelector('.apply-btn').dispatchEvent('tap')
  page.querySelector('.apply-btn').dispatchEvent('tap')
  await settle()
  expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1)
  const posts = server.calls('POST /exemption')
  expect(posts).toHaveLength(1)
  expect(posts[0].data).toEqual({ reason_ids: [12], proof_ids: ['u1'], note: '' })
})

test('without the action: the status and the review reason, no form', async () => {
  server.on('GET /exemption', {
    status: 200,
    body: view({
      can_apply: false, actions: [], status: { value: 'refused', label: '驳回禁止再次申请' },
      last_reason: '证明材料不符合免考条件',
      application: { reason_ids: [11], reason_texts: ['获得省级以上医学类奖项'], note: '', proofs: [] },
    }),
  })
  const page = await openPage(PAGE)
  expect(text(page, '.exemption-status')).toBe('驳回禁止再次申请')
  expect(text(page, '.reason')).toBe('审核意见：证明材料不符合免考条件')
  expect(page.querySelector('.apply-btn')).toBeFalsy()
  expect(page.querySelector('.reasons')).toBeFalsy()
})
