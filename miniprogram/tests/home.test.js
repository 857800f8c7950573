/**
 * pages/home: 未开通报名 / 已开通报名, the stage label from constants/status.js, the server's
 * hint, and buttons only for the actions the server sent; unread badge on 站内消息.
 */
const { installWx } = require('./helpers/wx')
const { openPage, text, texts, tap } = require('./helpers/page')

const PAGE = 'pages/home/index'
let wx
let server

function home(overrides) {
  return Object.assign({
    registration: { open: true, label: '已开通报名' },
    cycle: { id: 1, name: '2024-2026年度定期考核' },
    stage: { value: 'included', label: '已开通报名' },
    hint: '所在医疗卫生机构已经允许您参加本周期考核，请点击“我要报名”完善并提交报名信息。',
    unread_messages: 3,
    last_reason: '',
    assessment: {
      id: 9, status: { value: 'included', label: '已开通报名' }, procedure: null,
      modification: { value: 'none', label: '无' }, exemption: { value: 'none', label: '未申请' },
      delay: { value: 'hi_pending', label: '待卫生机构审批' },
    },
    actions: [
      { action: 'submit_enrolment', label: '提交信息', flow: 'main' },
      { action: 'apply_delay', label: '申请延期考核', flow: 'delay' },
      { action: 'hi_approve_enrolment', label: '通过', flow: 'main' }, // not the physician's: no button
    ],
  }, overrides)
}

beforeEach(() => {
  ;({ wx, server } = installWx({ token: 'tok' }))
  server.on('GET /me', { status: 200, body: { name: '欣欣', institution: { id: 1, name: '南宁市第一人民医院' }, setup: {} } })
})

test('已开通报名: status, hint, side request, badge, and the buttons of the server actions only', async () => {
  server.on('GET /home', { status: 200, body: home() })
  const page = await openPage(PAGE)
  expect(text(page, '.registration')).toBe('【已开通报名】')
  expect(text(page, '.stage-label')).toBe('已开通报名')
  expect(text(page, '.next')).toContain('请点击“我要报名”')
  expect(text(page, '.name')).toBe('欣欣')
  expect(texts(page, '.side')).toEqual(['延期考核：待卫生机构审批'])
  expect(texts(page, '.action-btn')).toEqual(['我要报名', '申请延期考核'])
  expect(text(page, '.unread')).toBe('3')
  expect(texts(page, '.tool-label')).toEqual(['报名信息', '考核进度', '参加测评', '申请免考入口', '考核结果', '站内消息', '学习'])

  await tap(page, '.action-btn')
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/enrol/basic/index' })
})

test('未开通报名: no buttons, no assessment tools, the server hint', async () => {
  server.on('GET /home', {
    status: 200,
    body: home({
      registration: { open: false, label: '未开通报名' }, stage: null, assessment: null, actions: [], unread_messages: 0,
      hint: '所在医疗卫生机构尚未允许您参加本周期考核，如需参加请联系单位定考负责人处理。',
    }),
  })
  const page = await openPage(PAGE)
  expect(text(page, '.registration')).toBe('【未开通报名】')
  expect(page.querySelector('.stage')).toBeFalsy()
  expect(page.querySelectorAll('.action-btn')).toHaveLength(0)
  expect(page.querySelector('.unread')).toBeFalsy()
  expect(texts(page, '.tool-label')).toEqual(['站内消息', '学习'])
  expect(text(page, '.next')).toBe('所在医疗卫生机构尚未允许您参加本周期考核，如需参加请联系单位定考负责人处理。')
})

test('a refusal shows its reason; the label comes from constants, not the page', async () => {
  server.on('GET /home', {
    status: 200,
    body: home({
      stage: { value: 'procedure_returned', label: 'whatever the server says' },
      last_reason: '述职报告内容过于简单',
      actions: [{ action: 'resubmit_procedure', label: '提交信息', flow: 'main' }],
    }),
  })
  const page = await openPage(PAGE)
  expect(text(page, '.stage-label')).toBe('待重新选择考核程序')
  expect(text(page, '.last-reason')).toBe('驳回理由：述职报告内容过于简单')
  expect(texts(page, '.action-btn')).toEqual(['重新选择考核程序'])
  await tap(page, '.action-btn')
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/enrol/procedure/index' })
})

test('the home page failing to load offers a retry', async () => {
  server.on('GET /home', 'network')
  const page = await openPage(PAGE)
  expect(page.data.failed).toBe(true)
  server.on('GET /home', { status: 200, body: home() })
  await tap(page, '.retry-btn')
  expect(text(page, '.registration')).toBe('【已开通报名】')
})

test('退出登录 ends the session and shows the login form (no automatic WeChat login)', async () => {
  server.on('GET /home', { status: 200, body: home() })
  server.on('POST /auth/logout', { status: 200, body: { ok: true } })
  const page = await openPage(PAGE)
  wx.showActionSheet.mockImplementation(opts => opts.success({ tapIndex: 2 }))
  await tap(page, '.account .link')
  expect(server.calls('POST /auth/logout')).toHaveLength(1)
  expect(wx.getStorageSync('dkt_token')).toBe('')
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/login/index?manual=1' })
})

test('合格: the card leads to 考核结果 and 下载考核结果通知书', async () => {
  server.on('GET /home', {
    status: 200,
    body: home({
      stage: { value: 'qualified', label: '合格' },
      hint: '本周期定期考核结果为合格，考核结束。可在“考核结果”中查看，并下载考核结果通知书。',
      assessment: Object.assign(home().assessment, { status: { value: 'qualified', label: '合格' } }),
      actions: [],
      next_steps: [{ key: 'results', label: '考核结果' }, { key: 'certificate', label: '下载考核结果通知书' }],
    }),
  })
  const page = await openPage(PAGE)
  expect(texts(page, '.next-btn')).toEqual(['考核结果', '下载考核结果通知书'])
  expect(text(page, '.next')).toContain('合格')
  await tap(page, '.next-btn')
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/results/result/index' })
  const buttons = page.querySelectorAll('.next-btn')
  buttons[1].dispatchEvent('tap')
  await new Promise(r => setTimeout(r, 0))
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/results/result/index?download=1' })
})


test('账户设置 → 修改密码 opens the password page at any time', async () => {
  server.on('GET /home', { status: 200, body: home() })
  const page = await openPage(PAGE)
  wx.showActionSheet.mockImplementation(opts => {
    expect(opts.itemList).toEqual(['修改密码', '解除微信绑定', '退出登录'])
    opts.success({ tapIndex: 0 })
  })
  await tap(page, '.account .link')
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/account/password/index' })
})
