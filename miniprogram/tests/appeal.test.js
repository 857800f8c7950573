/**
 * pages/results/appeal (复核申请): within the 30 days the physician gives a reason (and proofs) and
 * applies once; afterwards the page shows the status and the institution's decision.
 */
const { installWx } = require('./helpers/wx')
const { openPage, text, tap } = require('./helpers/page')

const PAGE = 'pages/results/appeal/index'
let wx
let server

function appeal(overrides) {
  return Object.assign({
    assessment_id: 9, status: { value: 'none', label: '未申请' }, result: { value: 'failed', label: '不合格' },
    can_apply: true, deadline: '2026-12-30T10:00:00+08:00', reason: null, proof_ids: [], applied_at: null,
    result_before: null, result_after: null, decision_reason: null, decided_at: null,
  }, overrides)
}

beforeEach(() => {
  ;({ wx, server } = installWx({ token: 'tok' }))
})

test('申请复核 with a reason', async () => {
  server.on('GET /appeal', { status: 200, body: appeal() })
  server.on('POST /appeal', { status: 200, body: appeal({ status: { value: 'pending', label: '复核申请待处理' }, can_apply: false, reason: '评定有误' }) })
  const page = await openPage(PAGE)
  expect(text(page, '.outcome')).toBe('不合格')
  expect(text(page, '.deadline')).toContain('前提交复核申请')
  await tap(page, '.submit-btn')
  expect(server.calls('POST /appeal')).toHaveLength(0) // no reason yet
  page.querySelector('.reason').dispatchEvent('input', { detail: { value: '评定有误' } })
  await tap(page, '.submit-btn')
  expect(server.calls('POST /appeal')[0].data).toEqual({ reason: '评定有误', proof_ids: [] })
  expect(text(page, '.status')).toBe('复核申请待处理')
  expect(page.querySelector('.submit-btn')).toBeFalsy()
})

test('a decided appeal shows the decision; none can be made again', async () => {
  server.on('GET /appeal', { status: 200, body: appeal({ status: { value: 'upheld', label: '维持原结果' }, can_apply: false, reason: '不服', decision_reason: '经核实评定无误' }) })
  const page = await openPage(PAGE)
  expect(text(page, '.decision')).toBe('经核实评定无误')
  expect(page.querySelector('.submit-btn')).toBeFalsy()
})
