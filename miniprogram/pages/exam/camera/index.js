/**
 * 人脸核验 (camera page) for the start, mid-exam and submission checks: the camera, the guidance
 * (光线充足、正对镜头、摘下口罩和帽子), takePhoto → upload, the server's reason on refusal, retry.
 * Query: id (attempt), moment (start | mid | submit).
 */
const exam = require('../../../services/exam')
const handoff = require('../handoff')
const { GUIDANCE, MOMENTS, LIST, momentOf, afterCheck } = require('./logic')

Component({
  data: {
    moment: 'start',
    title: '',
    intro: '',
    guidance: GUIDANCE,
    phase: 'ready', // ready | checking | refused | error | passed | denied
    message: '',
    canReupload: false,
  },

  methods: {
    onLoad(query) {
      const moment = momentOf(query && query.moment)
      this.attemptId = Number(query && query.id)
      this.photo = null
      this.setData({ moment, title: MOMENTS[moment].title, intro: MOMENTS[moment].intro })
      if (wx.setNavigationBarTitle) wx.setNavigationBarTitle({ title: MOMENTS[moment].title })
    },

    onShoot() {
      if (this.data.phase === 'checking' || this.data.phase === 'passed') return
      this.setData({ phase: 'checking', message: '正在拍照…', canReupload: false })
      const ctx = wx.createCameraContext()
      ctx.takePhoto({
        quality: 'normal',
        success: (res) => {
          this.photo = res.tempImagePath
          this.upload()
        },
        fail: () => this.setData({ phase: 'error', message: '拍照失败，请保持摄像头畅通后重新拍摄' }),
      })
    },

    onReupload() {
      if (this.photo && this.data.phase !== 'checking') this.upload()
    },

    async upload() {
      const moment = this.data.moment
      this.setData({ phase: 'checking', message: '正在核验，请稍候…', canReupload: false })
      let out = null
      let error = null
      try {
        out = await exam.faceCheck(this.attemptId, moment, this.photo)
      } catch (err) {
        error = err || {}
      }
      const result = afterCheck(moment, this.attemptId, out, error)
      if (result.kind === 'passed' && moment === 'start' && out) handoff.put(this.attemptId, out.attempt)
      this.setData({
        phase: result.kind,
        message: result.message,
        canReupload: !!result.reupload,
      })
      return this.follow(result)
    },

    follow(result) {
      const next = result.next
      const go = () => {
        if (next.type === 'redirect') wx.redirectTo({ url: next.url })
        else if (next.type === 'back') wx.navigateBack()
        else if (next.type === 'list') wx.redirectTo({ url: LIST })
        else if (next.type === 'login') wx.reLaunch({ url: '/pages/login/index' })
      }
      if (next.type === 'stay') return
      if (result.kind === 'passed') {
        wx.showToast({ title: result.message, icon: 'success', duration: 1200 })
        go()
        return
      }
      wx.showModal({ title: '人脸核验', content: result.message, showCancel: false, success: go, fail: go })
    },

    onCameraError() {
      this.setData({
        phase: 'denied',
        message: '无法使用摄像头。请在设置中允许“定考通”使用摄像头后返回重试',
      })
    },

    onOpenSetting() {
      wx.openSetting({
        success: (res) => {
          if (res && res.authSetting && res.authSetting['scope.camera']) this.setData({ phase: 'ready', message: '' })
        },
      })
    },
  },
})
