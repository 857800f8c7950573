/**
 * 考核进度: the status and what to do next, the 评定 once reviewed, the side requests, and
 * the history (what, when, which kind of organisation, why).
 */
const assessment = require('../../../services/assessment')
const status = require('../../../constants/status')
const format = require('../../../utils/format')

Page({
  data: {
    loading: true,
    failed: false,
    statusLabel: '',
    tone: 'grey',
    procedure: '',
    hint: '',
    lastReason: '',
    evaluation: null,
    sides: [],
    history: [],
  },

  onShow() {
    return this.load()
  },

  async onPullDownRefresh() {
    await this.load()
    wx.stopPullDownRefresh()
  },

  async load() {
    let r
    try {
      r = await assessment.record()
    } catch (e) {
      this.setData({ loading: false, failed: true })
      return null
    }
    const ev = r.evaluation
    this.setData({
      loading: false,
      failed: false,
      statusLabel: status.label('main', r.status),
      tone: status.tone(r.status),
      procedure: r.procedure ? status.label('procedure', r.procedure) : '',
      hint: r.hint || '',
      lastReason: r.last_reason || '',
      evaluation: ev ? {
        work: status.label('result', ev.work_result),
        ethics: status.label('result', ev.ethics_result),
        result: status.label('result', ev.result),
        opinion: ev.opinion || '',
        institution: ev.institution || '',
        reviewer: (ev.review && ev.review.organisation) || '',
      } : null,
      sides: ['modification', 'exemption', 'delay'].map(flow => ({
        flow, name: status.FLOW_LABELS[flow], label: status.label(flow, r[flow]),
      })),
      history: (r.history || []).slice().reverse().map((h, i) => ({
        key: i,
        label: h.label,
        flow: h.flow_label,
        to: status.label(h.flow === 'main' ? 'main' : h.flow, h.to_status),
        who: [h.organisation, h.actor].filter(Boolean).join(' '),
        reason: h.reason || '',
        time: format.dateTime(h.time),
      })),
    })
    return r
  },
})
