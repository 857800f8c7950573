/**
 * pages/results/result opened from the home card's 下载考核结果通知书 (?download=1): the notice
 * downloads as soon as the result is shown, and only when it is available.
 */
const { installWx } = require('./helpers/wx')
const { openPage } = require('./helpers/page')

const PAGE = 'pages/results/result/index'
let wx
let server

beforeEach(() => {
  ;({ wx, server } = installWx({ token: 'tok' }))
})

test('?download=1 on a 合格 result opens the PDF', async () => {
  server.on('GET /results', {
    status: 200,
    body: {
      assessment_id: 9, cycle: { id: 1, name: '2024-2026年度' }, status: { value: 'qualified', label: '合格' },
      procedure: { value: 'simple', label: '简易程序' }, judged: true, fail_reason: '', fail_reason_label: '',
      papers: [], certificate: { available: true, number: 'DKT-450000-2026-000001' },
    },
  })
  server.on('GET /results/certificate', { status: 200, file: '%PDF' })
  await openPage(PAGE, { download: '1' })
  expect(wx.openDocument).toHaveBeenCalledWith(expect.objectContaining({ fileType: 'pdf' }))
})
