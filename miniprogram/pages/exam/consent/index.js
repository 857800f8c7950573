/**
 * 人脸信息采集授权 (seed manual 2.2.5: 初次进入测评须进行人脸信息采集授权; SPEC §6: biometric
 * data needs explicit consent). Agree → the server records it → on to the paper (query `type`).
 */
const exam = require('../../../services/exam')
const { enter } = require('../list/logic')

Component({
  data: {
    paperType: '',
    checked: false,
    busy: false,
    errorText: '',
  },

  methods: {
    onLoad(query) {
      this.setData({ paperType: (query && query.type) || '' })
    },

    onCheck() {
      this.setData({ checked: !this.data.checked, errorText: '' })
    },

    async onAgree() {
      if (this.data.busy) return
      if (!this.data.checked) {
        this.setData({ errorText: '请先阅读并勾选“我已阅读并同意”' })
        return
      }
      this.setData({ busy: true, errorText: '' })
      try {
        await exam.giveFaceConsent()
      } catch (err) {
        this.setData({ busy: false, errorText: (err && err.message) || '授权提交失败，请稍后重试' })
        return
      }
      wx.showToast({ title: '授权成功', icon: 'success', duration: 1000 })
      if (!this.data.paperType) {
        this.setData({ busy: false })
        wx.navigateBack()
        return
      }
      const ui = {
        navigate: (url) => wx.redirectTo({ url }),
        redirect: (url) => wx.redirectTo({ url }),
        alert: (title, content) => new Promise((resolve) => {
          wx.showModal({ title, content, showCancel: false, success: () => resolve(), fail: () => resolve() })
        }),
      }
      const out = await enter(this.data.paperType, { api: exam, ui, consented: true, replace: true })
      this.setData({ busy: false })
      if (out && out.error) wx.navigateBack()
    },

    onDisagree() {
      wx.showModal({
        title: '未授权',
        content: '未进行人脸信息采集授权将无法参加测评，也会影响考核监考和测评进度。',
        showCancel: false,
        confirmText: '知道了',
        success: () => wx.navigateBack(),
      })
    },
  },
})
