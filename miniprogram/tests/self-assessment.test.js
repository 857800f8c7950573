/**
 * pages/enrol/self-assessment: 执业行为记录 among the texts, and one entry per item of the province's
 * 考核内容 (编辑考核内容), sent as item_texts.
 */
const { installWx } = require('./helpers/wx')
const { openPage, texts, tap } = require('./helpers/page')
const { enrolmentView } = require('./support/enrolment')

const PAGE = 'pages/enrol/self-assessment/index'
let wx
let server

beforeEach(() => {
  ;({ wx, server } = installWx({ token: 'tok' }))
})

test('the province items get one entry each, saved as item_texts', async () => {
  const view = enrolmentView()
  view.evaluation_items = { work_performance: ['完成岗位工作任务情况', '医疗质量与安全'], ethics: ['医德医风'] }
  server.on('GET /enrolment', { status: 200, body: view })
  server.on('PUT /enrolment/self_assessment', req => ({ status: 200, body: { step: 'self_assessment', data: req.data, missing: [], complete: true, actions: [] } }))
  const page = await openPage(PAGE)
  expect(texts(page, '.card-title')).toEqual(expect.arrayContaining(['执业行为记录', '逐项自评（本周期考核内容）']))
  expect(texts(page, '.item-name')).toEqual(['工作成绩：完成岗位工作任务情况', '工作成绩：医疗质量与安全', '职业道德：医德医风'])
  const entries = page.querySelectorAll('.item-text')
  entries[1].dispatchEvent('input', { detail: { value: '无医疗事故' } })
  entries[2].dispatchEvent('input', { detail: { value: '无投诉' } })
  await tap(page, '.save-btn')
  const [put] = server.calls('PUT /enrolment/self_assessment')
  expect(put.data.item_texts).toEqual({ work_performance: ['', '无医疗事故'], ethics: ['无投诉'] })
  expect(Object.keys(put.data)).toEqual(expect.arrayContaining(['practice_conduct', 'work_performance', 'ethics']))
})
