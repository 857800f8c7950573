/**
 * 题库练习: one question at a time → 提交答案 → the right answer and the 解析 (checked on the
 * server; a wrong answer goes into the 错题本 by itself) → 下一题. 收藏 adds it by hand.
 */
const practice = require('../../../services/practice')
const status = require('../../../constants/status')
const answer = require('../answer')

const COUNT = 10

Page({
  data: {
    loading: true,
    failed: false,
    title: '',
    questions: [],
    index: 0,
    current: null,
    chosen: [],
    result: null, // {correct, answer, explanation}
    options: [],
    checking: false,
    done: false,
    correctCount: 0,
    collected: {},
  },

  onLoad(query) {
    this._paperType = query.paper_type || 'humanities'
    this._point = query.knowledge_point ? decodeURIComponent(query.knowledge_point) : ''
    this.setData({ title: this._point || `${status.label('paper', this._paperType)}随机练习` })
    return this.load()
  },

  async load() {
    try {
      const questions = await practice.questions({ paperType: this._paperType, knowledgePoint: this._point, count: COUNT })
      this.setData({ loading: false, failed: false, questions, index: 0, done: false, correctCount: 0 })
      this.show(0)
    } catch (e) {
      this.setData({ loading: false, failed: true })
    }
  },

  show(index) {
    const q = this.data.questions[index]
    if (!q) {
      this.setData({ done: true, current: null })
      return
    }
    this.setData({
      index,
      current: { id: q.question_id, stem: q.stem, qtype: status.label('qtype', q.qtype), multiple: q.qtype && q.qtype.value === 'multiple' },
      chosen: [],
      result: null,
      options: answer.marked(q.options, [], null),
    })
  },

  onChoose(e) {
    if (this.data.result) return
    const q = this.data.questions[this.data.index]
    const chosen = answer.choose(q.qtype, this.data.chosen, e.currentTarget.dataset.label)
    this.setData({ chosen, options: answer.marked(q.options, chosen, null) })
  },

  async onCheck() {
    if (this.data.checking || this.data.result) return
    if (!this.data.chosen.length) return wx.showToast({ title: '请选择答案', icon: 'none' })
    const q = this.data.questions[this.data.index]
    this.setData({ checking: true })
    try {
      const [checked] = await practice.submitAnswers([{ question_id: q.question_id, answer: this.data.chosen }])
      this.setData({
        result: { correct: checked.correct, answer: (checked.answer || []).join(''), explanation: checked.explanation || '' },
        options: answer.marked(q.options, this.data.chosen, checked.answer || []),
        correctCount: this.data.correctCount + (checked.correct ? 1 : 0),
      })
    } catch (e) {
      // shown by request.js; the choice stays, 提交答案 again
    } finally {
      this.setData({ checking: false })
    }
    return null
  },

  onNext() {
    this.show(this.data.index + 1)
  },

  async onCollect() {
    const id = this.data.current && this.data.current.id
    if (!id || this.data.collected[id]) return
    try {
      await practice.addWrong(id)
      this.setData({ [`collected.${id}`]: true })
      wx.showToast({ title: '已加入错题本', icon: 'success' })
    } catch (e) {
      // shown by request.js
    }
  },

  onAgain() {
    this.setData({ loading: true })
    return this.load()
  },
})
