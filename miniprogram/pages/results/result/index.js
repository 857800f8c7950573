/**
 * 查看考核结果: the outcome once judged, each paper's best score against its pass line, the
 * re-exam consequences, and 下载考核结果通知书 (PDF, only when 合格).
 */
const results = require('../../../services/results')
const status = require('../../../constants/status')
const format = require('../../../utils/format')

function paperRow(p) {
  let result = status.PAPER_RESULT.pending
  if (!p.required) result = status.PAPER_RESULT.not_required
  else if (p.exempt) result = status.PAPER_RESULT.exempt
  else if (p.passed === true) result = status.PAPER_RESULT.pass
  else if (p.passed === false) result = status.PAPER_RESULT.fail
  return {
    paper: p.paper,
    label: p.label || status.label('paper', p.paper),
    score: p.best_score === null || p.best_score === undefined ? '—' : p.best_score,
    passLine: p.pass_line,
    attempts: p.max_attempts ? `${p.attempts}/${p.max_attempts}` : `${p.attempts || 0}`,
    result,
    passed: p.passed,
  }
}

function consequences(r) {
  const out = []
  if (r.suspension_months) {
    const from = format.date(r.suspended_from)
    out.push(`${from ? `自${from}起` : ''}暂停执业${r.suspension_months}个月，接受培训和继续医学教育，并参加再次考核。`)
  }
  if (r.no_promotion) out.push('再次考核合格，允许继续执业，但本考核周期内不得评优和晋升。')
  if (r.deregistration_recommended) out.push('再次考核结果仍为不合格，将由执业注册的卫生健康行政部门依法注销注册，收回医师执业证书。')
  return out
}

Page({
  data: {
    loading: true,
    failed: false,
    cycleName: '',
    statusLabel: '',
    tone: 'grey',
    procedure: '',
    judged: false,
    failReason: '',
    papers: [],
    reexamPapers: [],
    notes: [],
    certificate: { available: false, number: '' },
    assessmentId: null,
    downloading: false,
  },

  async onLoad(query) {
    const r = await this.load()
    // from the home card's 下载考核结果通知书: start the download once the result is shown
    if (query && query.download === '1' && r && this.data.certificate.available) await this.onDownload()
    return r
  },

  async load() {
    let r
    try {
      r = await results.result()
    } catch (e) {
      this.setData({ loading: false, failed: true })
      return null
    }
    this.setData({
      loading: false,
      failed: false,
      cycleName: (r.cycle && r.cycle.name) || '',
      statusLabel: status.label('main', r.status),
      tone: status.tone(r.status),
      procedure: r.procedure ? status.label('procedure', r.procedure) : '',
      judged: Boolean(r.judged),
      failReason: r.fail_reason_label || status.FAIL_REASONS[r.fail_reason] || '',
      papers: (r.papers || []).map(paperRow),
      reexamPapers: (r.reexam_papers || []).map(paperRow),
      notes: consequences(r),
      certificate: { available: Boolean(r.certificate && r.certificate.available), number: (r.certificate && r.certificate.number) || '' },
      assessmentId: r.assessment_id,
    })
    return r
  },

  onAppeal() {
    wx.navigateTo({ url: '/pages/results/appeal/index' })
  },

  async onDownload() {
    if (this.data.downloading || !this.data.certificate.available) return
    this.setData({ downloading: true })
    try {
      await results.downloadCertificate()
    } catch (e) {
      // shown by request.js / results.js
    } finally {
      this.setData({ downloading: false })
    }
  },
})
