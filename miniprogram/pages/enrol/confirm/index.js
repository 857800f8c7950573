/**
 * 确认信息 → 提交信息: every step for a last look, what the server says is still missing,
 * and 提交信息 when the server's actions allow it (asks for 订阅消息 first: the review result
 * is notified).
 */
const assessment = require('../../../services/assessment')
const subscribe = require('../../../services/subscribe')
const status = require('../../../constants/status')
const summary = require('../summary')

Page({
  data: {
    loading: true,
    failed: false,
    statusLabel: '',
    photo: false,
    sections: [],
    missing: [],
    canSubmit: false,
    submitting: false,
  },

  onShow() {
    return this.load()
  },

  async load() {
    let view
    try {
      view = await assessment.enrolment()
    } catch (e) {
      this.setData({ loading: false, failed: true })
      return null
    }
    this.setData({
      loading: false,
      failed: false,
      statusLabel: status.label('main', view.status),
      photo: Boolean(view.photo && view.photo.file_id),
      sections: summary.sections(view),
      missing: summary.missingByStep(view.missing),
      canSubmit: status.has(view.actions, 'submit_enrolment'),
    })
    return view
  },

  onEdit(e) {
    wx.navigateTo({ url: e.currentTarget.dataset.page })
  },

  async onSubmit() {
    if (this.data.submitting || !this.data.canSubmit) return
    this.setData({ submitting: true }) // a double tap submits once
    await subscribe.ask('enrolment') // straight from the tap: the review result will be notified
    try {
      const result = await assessment.submit()
      wx.showModal({
        title: '提交成功',
        content: (result && result.hint) || '报名信息已提交。',
        showCancel: false,
        success: () => wx.reLaunch({ url: '/pages/home/index' }),
      })
    } catch (e) {
      // the server's list of what is missing (422 enrolment_incomplete) goes on the page
      if (e && Array.isArray(e.details) && e.details.length && e.details[0].step_label) {
        this.setData({ missing: summary.missingByStep(e.details) })
      }
    } finally {
      this.setData({ submitting: false })
    }
  },
})
