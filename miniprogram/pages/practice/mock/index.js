/**
 * 模拟考试: a paper drawn like the real one (not timed, never counted), answered on one page,
 * 交卷 once (a second tap does nothing; the server is idempotent too), then the score and each
 * question's answer and 解析. ?paper_type= starts one, ?id= opens an earlier one.
 */
const practice = require('../../../services/practice')
const status = require('../../../constants/status')
const answer = require('../answer')

function view(questions, answers, reviewed) {
  return (questions || []).map(q => {
    const chosen = reviewed ? q.chosen || [] : answers[String(q.no)] || []
    return {
      no: q.no,
      qtype: status.label('qtype', q.qtype),
      stem: q.stem,
      options: answer.marked(q.options, chosen, reviewed ? q.answer || [] : null),
      correct: reviewed ? Boolean(q.correct) : null,
      answer: reviewed ? (q.answer || []).join('') : '',
      explanation: reviewed ? q.explanation || '' : '',
    }
  })
}

Page({
  data: {
    loading: true,
    failed: false,
    id: null,
    paper: '',
    suggestedMinutes: 0,
    submitted: false,
    score: null,
    correctCount: 0,
    questionCount: 0,
    answeredCount: 0,
    items: [],
    submitting: false,
  },

  onLoad(query) {
    this._answers = {}
    this._questions = []
    return query.id ? this.open(query.id) : this.start(query.paper_type || 'humanities')
  },

  async start(paperType) {
    try {
      this.show(await practice.createMock(paperType))
    } catch (e) {
      this.setData({ loading: false, failed: true })
    }
  },

  async open(id) {
    try {
      this.show(await practice.getMock(id))
    } catch (e) {
      this.setData({ loading: false, failed: true })
    }
  },

  show(mock) {
    this._questions = mock.questions || []
    this.setData({
      loading: false,
      failed: false,
      id: mock.id,
      paper: status.label('paper', mock.paper_type),
      suggestedMinutes: mock.suggested_minutes || 0,
      submitted: Boolean(mock.submitted),
      score: mock.score,
      correctCount: mock.correct_count || 0,
      questionCount: mock.question_count || this._questions.length,
      answeredCount: Object.keys(this._answers).length,
      items: view(this._questions, this._answers, Boolean(mock.submitted)),
    })
  },

  onChoose(e) {
    if (this.data.submitted || this.data.submitting) return
    const { no, label, index } = e.currentTarget.dataset
    const q = this._questions[Number(index)]
    const chosen = answer.choose(q.qtype, this._answers[String(no)], label)
    if (chosen.length) this._answers[String(no)] = chosen
    else delete this._answers[String(no)]
    this.setData({
      [`items[${index}].options`]: answer.marked(q.options, chosen, null),
      answeredCount: Object.keys(this._answers).length,
    })
  },

  onSubmit() {
    if (this.data.submitting || this.data.submitted) return
    this.setData({ submitting: true }) // a double tap on 交卷 submits once
    const left = this.data.questionCount - this.data.answeredCount
    wx.showModal({
      title: '交卷',
      content: left > 0 ? `还有${left}题未作答，确定交卷吗？` : '确定交卷吗？',
      success: res => {
        if (res.confirm) this.submit()
        else this.setData({ submitting: false })
      },
      fail: () => this.setData({ submitting: false }),
    })
  },

  async submit() {
    try {
      const result = await practice.submitMock(this.data.id, this._answers)
      this.show(result)
      wx.pageScrollTo({ scrollTop: 0, duration: 0 })
    } catch (e) {
      // shown by request.js; the answers stay on the page, 交卷 again
    } finally {
      this.setData({ submitting: false })
    }
  },
})
