/**
 * 答题 (paper page): questions, the countdown from the server's remaining seconds, every answer
 * saved as it is given, the mid-exam face check when the server asks for it, 交卷 with its face
 * check, the automatic submission at the deadline, resume after the app was killed.
 *
 * Built with the Component constructor (a page may be; it makes the page testable with
 * miniprogram-simulate). All the logic is in ./logic.js; this file forwards events and
 * turns the session's patches into setData.
 */
const exam = require('../../../services/exam')
const handoff = require('../handoff')
const { createExamSession } = require('./logic')

const LIST = '/pages/exam/list/index'
const LOGIN = '/pages/login/index'

function makeUi(page) {
  return {
    toast(title) {
      wx.showToast({ title, icon: 'none', duration: 2500 })
    },
    alert(title, content, confirmText) {
      return new Promise((resolve) => {
        wx.showModal({
          title,
          content,
          showCancel: false,
          confirmText: confirmText || '知道了',
          success: () => resolve(),
          fail: () => resolve(),
        })
      })
    },
    confirm(title, content, confirmText) {
      return new Promise((resolve) => {
        wx.showModal({
          title,
          content,
          confirmText: confirmText || '确定',
          cancelText: '再检查一下',
          success: (res) => resolve(!!(res && res.confirm)),
          fail: () => resolve(false),
        })
      })
    },
    navigate(url) {
      wx.navigateTo({ url })
    },
    redirect(url) {
      wx.redirectTo({ url })
    },
    toList() {
      const pages = typeof getCurrentPages === 'function' ? getCurrentPages() : []
      const at = pages.findIndex((p) => p && `/${p.route}` === LIST)
      if (at >= 0) wx.navigateBack({ delta: pages.length - 1 - at })
      else wx.redirectTo({ url: LIST })
    },
    toLogin() {
      wx.reLaunch({ url: LOGIN })
    },
    takeSnapshot() {
      return new Promise((resolve, reject) => {
        // the small camera must be on screen first
        setTimeout(() => {
          wx.createCameraContext().takePhoto({
            quality: 'low',
            success: (res) => resolve(res.tempImagePath),
            fail: reject,
          })
        }, 500)
      }).finally(() => page.setData({ snapshotCamera: false }))
    },
  }
}

Component({
  data: {
    phase: 'loading',
    title: '',
    attemptNo: null,
    clock: '--:--',
    clockTone: '',
    index: 0,
    total: 0,
    question: null,
    saveState: '',
    saveText: '',
    isFirst: true,
    isLast: false,
    grid: [],
    answered: 0,
    unanswered: 0,
    banner: { show: false, text: '', tone: '' },
    gateBlocked: false,
    submitting: false,
    submitText: '交卷',
    notice: '',
    result: null,
    errorText: '',
    sheetOpen: false,
    snapshotCamera: false,
  },

  methods: {
    onLoad(query) {
      this.session = createExamSession({
        api: exam,
        handoff,
        ui: makeUi(this),
        render: (patch) => {
          this.setData(patch)
          if (patch.phase === 'result' && wx.disableAlertBeforeUnload) wx.disableAlertBeforeUnload()
        },
      })
      this.onNetworkChange = (res) => this.session.onNetwork(!!(res && res.isConnected))
      if (wx.onNetworkStatusChange) wx.onNetworkStatusChange(this.onNetworkChange)
      if (wx.setKeepScreenOn) wx.setKeepScreenOn({ keepScreenOn: true })
      if (wx.enableAlertBeforeUnload) {
        wx.enableAlertBeforeUnload({ message: '考试正在进行，计时不会暂停。确定离开答题页吗？（已作答的答案已保存）' })
      }
      this.attemptId = Number(query && query.id)
      if (!this.attemptId) {
        this.setData({ phase: 'error', errorText: '缺少测评编号，请从试卷列表进入' })
        return
      }
      this.session.load(this.attemptId)
    },

    onShow() {
      if (this.session) this.session.onShow()
    },

    onHide() {
      if (this.session) this.session.onHide()
    },

    onUnload() {
      if (this.session) this.session.unload()
      if (wx.offNetworkStatusChange && this.onNetworkChange) wx.offNetworkStatusChange(this.onNetworkChange)
      if (wx.setKeepScreenOn) wx.setKeepScreenOn({ keepScreenOn: false })
    },

    onOptionTap(e) {
      this.session.choose(e.currentTarget.dataset.label)
    },

    onGridTap(e) {
      this.session.goTo(e.currentTarget.dataset.index)
      this.setData({ sheetOpen: false })
    },

    onPrev() {
      this.session.prev()
    },

    onNext() {
      this.session.next()
    },

    onToggleSheet() {
      this.setData({ sheetOpen: !this.data.sheetOpen })
    },

    onSubmitTap() {
      this.session.requestSubmit()
    },

    onRetryLoad() {
      if (this.attemptId) this.session.load(this.attemptId)
    },

    onBackToList() {
      if (wx.disableAlertBeforeUnload) wx.disableAlertBeforeUnload()
      makeUi(this).toList()
    },
  },
})
