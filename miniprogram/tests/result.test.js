/**
 * pages/results/result: the outcome, paper scores, re-exam consequences, and the certificate
 * download only when 合格.
 */
const { installWx } = require('./helpers/wx')
const { openPage, text, texts, tap } = require('./helpers/page')

const PAGE = 'pages/results/result/index'
let wx
let server

function paper(p, label, score, passed) {
  return { paper: p, label, required: true, exempt: false, attempts: 1, max_attempts: 3, best_score: score, pass_line: 60, passed }
}

beforeEach(() => {
  ;({ wx, server } = installWx({ token: 'tok' }))
})

test('合格: scores and 下载考核结果通知书 (downloaded, opened as PDF)', async () => {
  server.on('GET /results', {
    status: 200,
    body: {
      assessment_id: 9, cycle: { id: 1, name: '2024-2026年度' }, status: { value: 'qualified', label: '合格' },
      procedure: { value: 'general', label: '一般程序' }, judged: true, fail_reason: '', fail_reason_label: '',
      papers: [paper('humanities', '人文医学', 88, true), paper('professional', '业务水平', 75, true)],
      certificate: { available: true, number: 'GX2024000123', download: '/api/v1/mp/results/certificate' },
    },
  })
  server.on('GET /results/certificate', { status: 200, file: '%PDF' })
  const page = await openPage(PAGE)
  expect(text(page, '.outcome')).toBe('合格')
  expect(texts(page, '.paper .field-label')).toEqual(['人文医学', '业务水平'])
  expect(texts(page, '.score')).toEqual(['88', '75'])
  await tap(page, '.download-btn')
  expect(wx.openDocument).toHaveBeenCalledWith(expect.objectContaining({ fileType: 'pdf' }))
})

test('不合格: the reason and the suspension; no certificate', async () => {
  server.on('GET /results', {
    status: 200,
    body: {
      assessment_id: 9, cycle: { id: 1, name: '2024-2026年度' }, status: { value: 'reexam_listed', label: '待再次考核' },
      procedure: { value: 'simple', label: '简易程序' }, judged: true, fail_reason: 'exam', fail_reason_label: '测评成绩未达合格分数线',
      suspension_months: 3, suspended_from: '2025-03-01', papers: [paper('humanities', '人文医学', 52, false)],
      certificate: { available: false, number: null, download: null },
    },
  })
  const page = await openPage(PAGE)
  expect(text(page, '.outcome')).toBe('待再次考核')
  expect(text(page, '.fail-reason')).toBe('不合格原因：测评成绩未达合格分数线')
  expect(text(page, '.note')).toBe('自2025-03-01起暂停执业3个月，接受培训和继续医学教育，并参加再次考核。')
  expect(page.querySelector('.download-btn')).toBeFalsy()
})
