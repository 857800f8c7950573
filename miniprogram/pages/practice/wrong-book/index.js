/**
 * 错题本 (错题收藏): wrong answers collected by themselves and by hand, with the answer and
 * 解析; filter by 人文医学 / 业务水平; 移出错题本.
 */
const practice = require('../../../services/practice')
const status = require('../../../constants/status')
const answer = require('../answer')

const SIZE = 20

function row(w) {
  return {
    id: w.question_id,
    paper: status.label('paper', w.paper_type),
    point: w.knowledge_point,
    qtype: status.label('qtype', w.qtype),
    stem: w.stem,
    options: answer.marked(w.options, [], w.answer || []),
    answer: (w.answer || []).join(''),
    explanation: w.explanation || '',
    wrongCount: w.wrong_count || 0,
  }
}

Page({
  data: {
    loading: true,
    failed: false,
    filters: [
      { value: '', label: '全部' },
      { value: 'humanities', label: status.PAPER_TYPE.humanities },
      { value: 'professional', label: status.PAPER_TYPE.professional },
    ],
    paperType: '',
    items: [],
    count: 0,
    page: 0,
    more: false,
  },

  onLoad() {
    return this.load()
  },

  onReachBottom() {
    return this.more()
  },

  async load() {
    try {
      const body = await practice.listWrong({ page: 1, size: SIZE, paperType: this.data.paperType })
      const items = (body.data || []).map(row)
      this.setData({ loading: false, failed: false, items, count: body.count || 0, page: 1, more: items.length < (body.count || 0) })
    } catch (e) {
      this.setData({ loading: false, failed: true })
    }
  },

  async more() {
    if (!this.data.more) return
    try {
      const body = await practice.listWrong({ page: this.data.page + 1, size: SIZE, paperType: this.data.paperType })
      const items = this.data.items.concat((body.data || []).map(row))
      this.setData({ items, page: this.data.page + 1, more: items.length < (body.count || 0) && (body.data || []).length > 0 })
    } catch (e) {
      // shown by request.js
    }
  },

  onFilter(e) {
    this.setData({ paperType: e.currentTarget.dataset.value, loading: true })
    return this.load()
  },

  async onRemove(e) {
    const id = Number(e.currentTarget.dataset.id)
    try {
      await practice.removeWrong(id)
      this.setData({ items: this.data.items.filter(i => i.id !== id), count: Math.max(0, this.data.count - 1) })
      wx.showToast({ title: '已移出错题本', icon: 'none' })
    } catch (err) {
      // shown by request.js
    }
  },
})
