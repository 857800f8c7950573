/**
 * pages/practice/mock: answering, 交卷 once on a double tap, the review; a failed 交卷 keeps
 * the answers for another try.
 */
const { installWx, toasts } = require('./helpers/wx')
const { openPage, text, texts, settle } = require('./helpers/page')

const PAGE = 'pages/practice/mock/index'
let wx
let server

const QUESTIONS = [
  { no: 1, qtype: { value: 'single', label: '单选题' }, stem: '医师的首要职责是', options: [{ label: 'A', text: '救死扶伤' }, { label: 'B', text: '创收' }] },
  { no: 2, qtype: { value: 'multiple', label: '多选题' }, stem: '知情同意包括', options: [{ label: 'A', text: '告知' }, { label: 'B', text: '理解' }, { label: 'C', text: '隐瞒' }] },
]

beforeEach(() => {
  ;({ wx, server } = installWx({ token: 'tok' }))
  server.on('POST /practice/mock-tests', {
    status: 201, body: { id: 5, paper_type: { value: 'humanities', label: '人文医学' }, question_count: 2, submitted: false, suggested_minutes: 60, questions: QUESTIONS },
  })
})

function choose(page, qi, oi) {
  const before = QUESTIONS.slice(0, qi).reduce((n, q) => n + q.options.length, 0) // options of earlier questions
  page.querySelectorAll('.option')[before + oi].dispatchEvent('tap')
}

test('answers, a double tap on 交卷 submits once, then the score and review', async () => {
  server.on('POST /practice/mock-tests/5/submit', {
    status: 200,
    body: {
      id: 5, paper_type: { value: 'humanities', label: '人文医学' }, question_count: 2, submitted: true, score: 50, correct_count: 1,
      questions: [
        Object.assign({}, QUESTIONS[0], { chosen: ['A'], answer: ['A'], correct: true, explanation: '' }),
        Object.assign({}, QUESTIONS[1], { chosen: ['A'], answer: ['A', 'B'], correct: false, explanation: '知情同意须告知并确认理解' }),
      ],
    },
  })
  const page = await openPage(PAGE, { paper_type: 'humanities' })
  expect(server.calls('POST /practice/mock-tests')[0].data).toEqual({ paper_type: 'humanities' })
  choose(page, 0, 1)
  choose(page, 0, 0) // single choice: the last one counts
  choose(page, 1, 0)
  choose(page, 1, 1)
  choose(page, 1, 1) // multiple choice: toggles
  await settle()
  expect(page.data.answeredCount).toBe(2)

  page.querySelector('.submit-btn').dispatchEvent('tap')
  page.querySelector('.submit-btn').dispatchEvent('tap')
  await settle()
  expect(wx.showModal).toHaveBeenCalledTimes(1)
  const calls = server.calls('POST /practice/mock-tests/5/submit')
  expect(calls).toHaveLength(1)
  expect(calls[0].data).toEqual({ answers: { 1: ['A'], 2: ['A'] } })
  expect(text(page, '.score')).toBe('50')
  expect(texts(page, '.explain .hint')).toEqual(['解析：知情同意须告知并确认理解'])
  expect(page.querySelector('.submit-btn')).toBeFalsy()
})

test('交卷 failing on the network keeps every answer; 交卷 again works', async () => {
  server.sequence('POST /practice/mock-tests/5/submit', ['network', {
    status: 200, body: { id: 5, question_count: 2, submitted: true, score: 100, correct_count: 2, questions: [] },
  }])
  const page = await openPage(PAGE, { paper_type: 'humanities' })
  choose(page, 0, 0)
  await settle()
  page.querySelector('.submit-btn').dispatchEvent('tap')
  await settle()
  expect(toasts(wx)).toEqual(['网络连接失败，请检查网络后重试'])
  expect(page.data.submitted).toBe(false)
  expect(page.data.submitting).toBe(false)
  expect(page.data.answeredCount).toBe(1)
  page.querySelector('.submit-btn').dispatchEvent('tap')
  await settle()
  expect(server.calls('POST /practice/mock-tests/5/submit')[1].data).toEqual({ answers: { 1: ['A'] } })
  expect(page.data.submitted).toBe(true)
})
