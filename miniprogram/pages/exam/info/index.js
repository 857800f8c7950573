/**
 * 考核详情 → 确认考核信息 → 试卷列表 (manual: 「首先，进行考核信息确认，保证信息准确无误，否则会影响
 * 考核成绩判定」). The server's details (name, masked ID number, institution, 执业类别, 医师级别,
 * 考核程序, 考核时间); 确认考核信息 once (the server refuses the 试卷列表 before it), then 试卷列表.
 */
const exam = require('../../../services/exam')
const { formatTime } = require('../list/logic')

const LIST = '/pages/exam/list/index'

function label(value) {
  return value && typeof value === 'object' ? value.label : (value || '')
}

/** The server's answer as rows to read. */
function infoRows(info) {
  const w = info.window || {}
  return [
    { key: 'name', label: '姓名', value: info.name || '' },
    { key: 'id_number', label: '证件号码', value: info.id_number || '' },
    { key: 'institution', label: '执业机构', value: info.institution || '' },
    { key: 'category', label: '执业类别', value: label(info.category) },
    { key: 'level', label: '医师级别', value: label(info.level) },
    { key: 'procedure', label: '考核程序', value: label(info.procedure) || '未选择' },
    { key: 'window', label: `${w.label || '测评'}时间`, value: `${formatTime(w.start) || '待定'} 至 ${formatTime(w.end) || '待定'}` },
  ]
}

Component({
  data: {
    loading: true,
    errorText: '',
    rows: [],
    info: null,
    confirmed: false,
    examStage: false,
    confirming: false,
  },

  methods: {
    onShow() {
      return this.load()
    },

    async load() {
      try {
        const info = await exam.examInfo({ silent: true })
        this.setData({ loading: false, errorText: '', info, rows: infoRows(info), confirmed: Boolean(info.confirmed),
          examStage: Boolean(info.exam_stage) })
      } catch (err) {
        this.setData({ loading: false, errorText: (err && err.message) || '考核详情加载失败，请稍后重试' })
      }
    },

    /** 确认考核信息 (the server records it once), then the 试卷列表. */
    async onConfirm() {
      if (this.data.confirming || !this.data.info) return
      this.setData({ confirming: true })
      try {
        const info = await exam.confirmExamInfo(this.data.info.assessment_id)
        this.setData({ info, rows: infoRows(info), confirmed: true })
        wx.navigateTo({ url: LIST })
      } catch (err) {
        wx.showModal({ title: '无法确认', content: (err && err.message) || '确认失败，请稍后重试', showCancel: false,
          confirmText: '知道了' })
      } finally {
        this.setData({ confirming: false })
      }
    },

    onList() {
      wx.navigateTo({ url: LIST })
    },
  },
})
