/**
 * 考核详情 → 确认考核信息 → 试卷列表 (manual 2.2.4 of the national app guide): the details the
 * server gives, one confirm, then the list; already confirmed: straight to the list.
 */
const { installWx } = require('../helpers/wx')
const { openPage, settle, text, texts } = require('../helpers/page')

const PAGE = 'pages/exam/info/index'
let wx
let server

function info(overrides = {}) {
  return Object.assign({
    assessment_id: 7, cycle_name: '2024-2026周期', name: '欣欣', id_number: '4501************21',
    institution: '南宁市第一人民医院', category: { value: 'clinical', label: '临床' },
    level: { value: 'physician', label: '执业医师' }, procedure: { value: 'simple', label: '简易程序' },
    status: { value: 'awaiting_exam', label: '待参加测评' },
    window: { name: 'exam', label: '首轮考核', start: '2024-04-30T16:00:00+00:00', end: '2024-05-31T23:59:00+08:00', open: true },
    exam_stage: true, confirmed: false, confirmed_at: null,
  }, overrides)
}

beforeEach(() => {
  ;({ wx, server } = installWx({ token: 't' }))
})

test('shows the assessment information to confirm, then 确认考核信息 leads to the 试卷列表', async () => {
  server.on('GET /exams/info', { status: 200, body: info() })
  server.on('POST /exams/info/confirm', req => ({ status: 200, body: info({ confirmed: true, confirmed_at: '2024-05-02T10:00:00+08:00', assessment_id: req.data.assessment_id }) }))
  const page = await openPage(PAGE)
  expect(texts(page, '.key')).toEqual(['姓名', '证件号码', '执业机构', '执业类别', '医师级别', '考核程序', '首轮考核时间'])
  expect(text(page, '.row-id_number .value')).toBe('4501************21')
  expect(text(page, '.row-level .value')).toBe('执业医师')
  expect(text(page, '.row-window .value')).toBe('2024-05-01 00:00 至 2024-05-31 23:59')
  expect(page.querySelector('.list-btn')).toBeFalsy() // no way to the list before confirming
  page.querySelector('.confirm-btn').dispatchEvent('tap')
  await settle()
  const [post] = server.calls('POST /exams/info/confirm')
  expect(post.data).toEqual({ assessment_id: 7 })
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/exam/list/index' })
  expect(text(page, '.confirmed')).toBe('考核信息已确认')
})

test('already confirmed: the 试卷列表 button, no second confirm', async () => {
  server.on('GET /exams/info', { status: 200, body: info({ confirmed: true }) })
  const page = await openPage(PAGE)
  expect(page.querySelector('.confirm-btn')).toBeFalsy()
  page.querySelector('.list-btn').dispatchEvent('tap')
  await settle()
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/exam/list/index' })
  expect(server.calls('POST /exams/info/confirm')).toHaveLength(0)
})

test("a refused confirm shows the server's reason and stays", async () => {
  server.on('GET /exams/info', { status: 200, body: info() })
  server.on('POST /exams/info/confirm', { status: 409, body: { code: 'not_exam_stage', message: '当前考核状态（待考核机构复核）不能确认考核信息' } })
  const page = await openPage(PAGE)
  page.querySelector('.confirm-btn').dispatchEvent('tap')
  await settle()
  expect(wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ content: '当前考核状态（待考核机构复核）不能确认考核信息' }))
  expect(wx.navigateTo).not.toHaveBeenCalled()
})
