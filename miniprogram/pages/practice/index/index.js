/**
 * 学习: 题库练习 by knowledge point (人文医学, and 业务水平 of the physician's 执业类别),
 * 模拟考试, 错题本. Practice never touches real papers.
 */
const practice = require('../../../services/practice')
const status = require('../../../constants/status')
const format = require('../../../utils/format')

Page({
  data: {
    loading: true,
    failed: false,
    category: '',
    sections: [], // [{paperType, label, points[{knowledge_point, count}]}]
    mocks: [],
  },

  onShow() {
    return this.load()
  },

  async load() {
    try {
      const [kp, mocks] = await Promise.all([
        practice.knowledgePoints(),
        practice.listMocks({ page: 1, size: 5 }).catch(() => ({ data: [] })),
      ])
      this.setData({
        loading: false,
        failed: false,
        category: kp.category ? kp.category.label : '',
        sections: ['humanities', 'professional'].map(paperType => ({
          paperType, label: status.PAPER_TYPE[paperType], points: kp[paperType] || [],
        })),
        mocks: (mocks.data || []).map(m => ({
          id: m.id,
          label: status.label('paper', m.paper_type),
          submitted: m.submitted,
          score: m.score,
          time: format.dateTime(m.created_at),
        })),
      })
    } catch (e) {
      this.setData({ loading: false, failed: true })
    }
  },

  onPractise(e) {
    const { paper, point } = e.currentTarget.dataset
    const kp = point ? `&knowledge_point=${encodeURIComponent(point)}` : ''
    wx.navigateTo({ url: `/pages/practice/quiz/index?paper_type=${paper}${kp}` })
  },

  onMock(e) {
    wx.navigateTo({ url: `/pages/practice/mock/index?paper_type=${e.currentTarget.dataset.paper}` })
  },

  onOpenMock(e) {
    wx.navigateTo({ url: `/pages/practice/mock/index?id=${e.currentTarget.dataset.id}` })
  },

  onWrongBook() {
    wx.navigateTo({ url: '/pages/practice/wrong-book/index' })
  },
})
