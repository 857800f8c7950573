/**
 * 首页: 未开通报名 / 已开通报名, the stage and what to do next (the server's hint), the
 * reason of a refusal, the side requests, the buttons the server's `actions` allow, and
 * 常用工具 with the unread badge of 站内消息.
 */
const assessment = require('../../services/assessment')
const auth = require('../../services/auth')
const status = require('../../constants/status')

const TOOLS = [
  { key: 'enrolment', label: '报名信息', page: '/pages/enrol/confirm/index', needsAssessment: true },
  { key: 'progress', label: '考核进度', page: '/pages/results/progress/index', needsAssessment: true },
  { key: 'exam', label: '参加测评', page: '/pages/exam/info/index', needsAssessment: true }, // 考核详情 first
  { key: 'exemption', label: '申请免考入口', page: '/pages/apply/exemption/index', needsAssessment: true },
  { key: 'results', label: '考核结果', page: '/pages/results/result/index', needsAssessment: true },
  { key: 'messages', label: '站内消息', page: '/pages/messages/list/index' },
  { key: 'practice', label: '学习', page: '/pages/practice/index/index' },
]

// where each of the server's next_steps leads (合格 → 考核结果 / 下载考核结果通知书)
const NEXT_PAGES = {
  exams: '/pages/exam/info/index', // 考核详情 → 确认考核信息 → 试卷列表
  results: '/pages/results/result/index',
  certificate: '/pages/results/result/index?download=1',
}

function nextSteps(steps) {
  return (steps || []).filter(s => NEXT_PAGES[s.key]).map(s => ({ key: s.key, label: s.label, page: NEXT_PAGES[s.key] }))
}

function sideFlows(summary) {
  if (!summary) return []
  return ['modification', 'exemption', 'delay']
    .filter(flow => summary[flow] && summary[flow].value !== 'none')
    .map(flow => ({ flow, name: status.FLOW_LABELS[flow], label: status.label(flow, summary[flow]) }))
}

Page({
  data: {
    loading: true,
    failed: false,
    name: '',
    institution: '',
    registration: { open: false, label: status.REGISTRATION.closed },
    cycleName: '',
    stage: null,
    procedure: '',
    hint: '',
    lastReason: '',
    sides: [],
    buttons: [],
    next: [],
    tools: [],
    unread: 0,
  },

  onShow() {
    return this.load()
  },

  async onPullDownRefresh() {
    await this.load()
    wx.stopPullDownRefresh()
  },

  async load() {
    const [home, me] = await Promise.all([
      assessment.home().catch(() => null),
      auth.me({ silent: true }).catch(() => null),
    ])
    if (!home) return this.setData({ loading: false, failed: true })
    const summary = home.assessment
    const reg = home.registration || {}
    this.setData({
      loading: false,
      failed: false,
      name: (me && me.name) || '',
      institution: (me && me.institution && me.institution.name) || '',
      registration: { open: Boolean(reg.open), label: reg.label || status.REGISTRATION.closed },
      cycleName: (home.cycle && home.cycle.name) || '',
      stage: home.stage
        ? { value: home.stage.value, label: status.label('main', home.stage), tone: status.tone(home.stage) }
        : null,
      procedure: summary && summary.procedure ? status.label('procedure', summary.procedure) : '',
      hint: home.hint || '',
      lastReason: home.last_reason || '',
      sides: sideFlows(summary),
      buttons: status.buttonsFor(home.actions),
      next: nextSteps(home.next_steps),
      tools: TOOLS.filter(t => !t.needsAssessment || summary),
      unread: home.unread_messages || 0,
    })
    return null
  },

  onAction(e) {
    wx.navigateTo({ url: e.currentTarget.dataset.page })
  },

  onNext(e) {
    wx.navigateTo({ url: e.currentTarget.dataset.page })
  },

  onTool(e) {
    wx.navigateTo({ url: e.currentTarget.dataset.page })
  },

  onRetry() {
    this.setData({ loading: true, failed: false })
    return this.load()
  },

  onAccount() {
    wx.showActionSheet({
      itemList: ['修改密码', '解除微信绑定', '退出登录'],
      success: res => {
        if (res.tapIndex === 0) wx.navigateTo({ url: '/pages/account/password/index' })
        if (res.tapIndex === 1) this.unbind()
        if (res.tapIndex === 2) this.logout()
      },
    })
  },

  unbind() {
    wx.showModal({
      title: '解除微信绑定',
      content: '解除后需使用证件号码和密码登录，确定解除吗？',
      success: async res => {
        if (!res.confirm) return
        try {
          await auth.unbindWechat()
          wx.showToast({ title: '已解除绑定', icon: 'success' })
        } catch (e) {
          // shown by request.js
        }
      },
    })
  },

  logout() {
    wx.showModal({
      title: '退出登录',
      content: '确定退出当前账户吗？',
      success: async res => {
        if (!res.confirm) return
        await auth.logout().catch(() => null)
        wx.reLaunch({ url: '/pages/login/index?manual=1' })
      },
    })
  },
})
