/**
 * 试卷列表 (考核详情 → 确认考核信息 → 试卷列表 → 进入; the server refuses the list before 确认考核信息,
 * and the page then goes back to 考核详情): each paper with its status, attempts used / left, best
 * score, and why it cannot be entered now (the server's reason).
 */
const exam = require('../../../services/exam')
const { listView, enter, staleAnswerKeys } = require('./logic')
const subscribe = require('../../../services/subscribe')

function forgetClosedAttempts(data) {
  try {
    const keys = wx.getStorageInfoSync ? wx.getStorageInfoSync().keys : []
    staleAnswerKeys(keys, data).forEach((k) => wx.removeStorageSync(k))
  } catch (e) {
    // storage unreadable: nothing to tidy
  }
}

function ui() {
  return {
    navigate: (url) => wx.navigateTo({ url }),
    redirect: (url) => wx.redirectTo({ url }),
    alert: (title, content) => new Promise((resolve) => {
      wx.showModal({ title, content, showCancel: false, confirmText: '知道了', success: () => resolve(), fail: () => resolve() })
    }),
  }
}

Component({
  data: {
    loading: true,
    errorText: '',
    view: null,
    entering: '',
  },

  methods: {
    onLoad() {
      this.loaded = false
    },

    onShow() {
      this.load()
    },

    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh && wx.stopPullDownRefresh())
    },

    async load() {
      if (!this.data.view) this.setData({ loading: true })
      try {
        const data = await exam.listExams({ silent: true })
        this.setData({ loading: false, errorText: '', view: listView(data) })
        forgetClosedAttempts(data)
      } catch (err) {
        if (err && err.code === 'exam_info_unconfirmed') { // 考核详情 → 确认考核信息 first
          wx.redirectTo({ url: '/pages/exam/info/index' })
          return
        }
        this.setData({ loading: false, errorText: (err && err.message) || '试卷列表加载失败，请稍后重试' })
      }
    },

    async onEnter(e) {
      const type = e.currentTarget.dataset.type
      if (this.data.entering || !type) return // a second tap while the first one runs
      subscribe.ask('exam') // 测评通知 / 考核结果: straight from the tap, never blocks entering
      this.setData({ entering: type })
      try {
        await enter(type, { api: exam, ui: ui(), consented: this.data.view && this.data.view.consent })
      } finally {
        this.setData({ entering: '' })
      }
    },

    onReason(e) {
      const reason = e.currentTarget.dataset.reason
      if (reason) wx.showModal({ title: '暂不能进入', content: reason, showCancel: false, confirmText: '知道了' })
    },
  },
})
