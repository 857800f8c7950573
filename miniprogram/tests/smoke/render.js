/**
 * Render-smoke for the pages without a test file of their own: the page loads against a fake
 * server holding one answer for every GET it may make, renders without an error toast, and
 * shows what it should. One page per file (see tests/helpers/page.js).
 */
const { installWx } = require('../helpers/wx')
const { openPage } = require('../helpers/page')
const { enrolmentView } = require('../support/enrolment')

const RECORD = {
  status: { value: 'enrolled', label: '待卫生机构评定' },
  procedure: { value: 'general', label: '一般程序' },
  hint: '报名成功，请等待卫生机构评定工作成绩、职业道德。',
  last_reason: '',
  modification: { value: 'allowed', label: '已允许修改' },
  exemption: { value: 'none', label: '未申请' },
  delay: { value: 'none', label: '未申请' },
  modification_detail: { status: { value: 'allowed', label: '已允许修改' }, pending_changes: { basic: { email: 'a@b.cn' } }, reason: '' },
  delay_detail: { status: { value: 'none', label: '未申请' }, reason: '', review_reason: '' },
  cycle: { delay_deadline: '2025-06-30T16:00:00+00:00' },
  evaluation: {
    work_result: { value: 'pass' }, ethics_result: { value: 'pass' }, result: { value: 'pass' }, opinion: '表现良好',
    institution: '南宁市第一人民医院', review: { organisation: '南宁市医师定考中心' },
  },
  history: [{
    action: 'submit_enrolment', label: '提交信息', flow: 'main', flow_label: '考核进度',
    to_status: { value: 'enrol_submitted', label: '待卫生机构审核' }, actor: '本人', organisation: '', reason: '',
    time: '2024-05-01T00:00:00Z',
  }],
  actions: [{ action: 'submit_modification' }, { action: 'apply_delay' }],
}

const QUESTION = {
  question_id: 3, paper_type: { value: 'humanities' }, knowledge_point: '医学伦理', qtype: { value: 'single' },
  stem: '医师的首要职责是', options: [{ label: 'A', text: '救死扶伤' }, { label: 'B', text: '创收' }],
}

function fakeServer(server) {
  server.on('GET /enrolment', { status: 200, body: enrolmentView() })
  server.on('GET /assessment', { status: 200, body: RECORD })
  server.on('GET /practice/knowledge-points', {
    status: 200, body: { category: { value: 'clinical', label: '临床' }, humanities: [{ knowledge_point: '医学伦理', count: 12 }], professional: [] },
  })
  server.on('GET /practice/mock-tests', {
    status: 200, body: { data: [{ id: 1, paper_type: { value: 'humanities' }, submitted: true, score: 80, created_at: '2024-01-01T00:00:00Z' }], count: 1 },
  })
  server.on('GET /practice/questions', { status: 200, body: { data: [QUESTION] } })
  server.on('GET /practice/wrong-answers', {
    status: 200, body: { data: [Object.assign({ answer: ['A'], explanation: '医师应当救死扶伤', wrong_count: 2 }, QUESTION)], count: 1 },
  })
}

/** smoke('pages/x/index', query, ['text the page shows', ...]) */
function smoke(route, query, expected) {
  test(`${route} renders`, async () => {
    const { server, wx } = installWx({ token: 'tok' })
    fakeServer(server)
    const page = await openPage(route, query)
    expect(wx.showToast).not.toHaveBeenCalled()
    expect(page.data.failed).toBeFalsy()
    const shown = page.dom.textContent.replace(/\s+/g, '')
    expected.forEach(text => expect(shown).toContain(text))
  })
}

module.exports = { smoke }
