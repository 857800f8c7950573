/**
 * 申请延期考核: with a reason, before the province's deadline (卫生机构审批 → 卫生行政部门审批).
 * The button shows only when the server's actions include apply_delay.
 */
const assessment = require('../../../services/assessment')
const applications = require('../../../services/applications')
const subscribe = require('../../../services/subscribe')
const status = require('../../../constants/status')
const E = require('../../../constants/enrolment')
const format = require('../../../utils/format')

Page({
  data: {
    loading: true,
    failed: false,
    statusLabel: '',
    delayLabel: '',
    deadline: '',
    appliedReason: '',
    reviewReason: '',
    canApply: false,
    reason: '',
    reasonMax: E.LIMITS.delay_reason_max,
    submitting: false,
  },

  onLoad() {
    return this.load()
  },

  async load() {
    let record
    try {
      record = await assessment.record()
    } catch (e) {
      this.setData({ loading: false, failed: true })
      return null
    }
    const detail = record.delay_detail || {}
    this.setData({
      loading: false,
      failed: false,
      statusLabel: status.label('main', record.status),
      delayLabel: status.label('delay', detail.status || record.delay),
      deadline: format.dateTime(record.cycle && record.cycle.delay_deadline),
      appliedReason: detail.reason || '',
      reviewReason: detail.review_reason || '',
      canApply: status.has(record.actions, 'apply_delay'),
    })
    return record
  },

  onReason(e) {
    this.setData({ reason: e.detail.value })
  },

  async onApply() {
    if (this.data.submitting || !this.data.canApply) return
    const reason = this.data.reason.trim()
    if (!reason) return wx.showToast({ title: '请填写延期理由', icon: 'none' })
    this.setData({ submitting: true })
    await subscribe.ask('application') // 同意 / 不同意 will be notified
    try {
      await applications.applyDelay(reason)
      wx.showToast({ title: '延期申请已提交', icon: 'success' })
      this.setData({ reason: '' })
      await this.load()
    } catch (e) {
      // shown by request.js (e.g. 已超过延期申请截止时间)
    } finally {
      this.setData({ submitting: false })
    }
    return null
  },
})
