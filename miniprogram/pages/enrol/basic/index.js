/**
 * 我要报名 (1) 基本信息 and 照片上传 (1寸免冠, 白底, 近期). 姓名, 证件号码, 手机号 come from
 * 电子化注册 and are shown greyed.
 */
const { stepPage } = require('../step')
const assessment = require('../../../services/assessment')
const choose = require('../../../utils/choose')
const E = require('../../../constants/enrolment')
const format = require('../../../utils/format')

Page(stepPage('basic', {
  data: {
    genders: E.GENDERS,
    idTypes: E.ID_TYPES,
    educations: E.EDUCATIONS,
    ethnicities: E.ETHNICITIES,
    photoGuide: E.PHOTO_GUIDE,
    today: format.date(new Date()),
    hasPhoto: false,
    photoPath: '',
    uploading: false,
  },

  extra(view) {
    const hasPhoto = Boolean(view.photo && view.photo.file_id)
    if (hasPhoto) this.showPhoto()
    return { hasPhoto }
  },

  methods: {
    async showPhoto() {
      try {
        this.setData({ photoPath: await assessment.photoFile() })
      } catch (e) {
        // the photo is there (hasPhoto); only its preview failed
      }
    },

    async onChoosePhoto() {
      if (!this.data.editable || this.data.uploading) return
      let path
      try {
        path = await choose.chooseImage()
      } catch (e) {
        return // cancelled
      }
      this.setData({ uploading: true })
      try {
        await assessment.uploadPhoto(path)
        this.setData({ hasPhoto: true, photoPath: path })
        wx.showToast({ title: '照片已上传', icon: 'success' })
      } catch (e) {
        // request.js showed why (e.g. 请上传竖版1寸免冠证件照)
      } finally {
        this.setData({ uploading: false })
      }
    },

    onPreviewPhoto() {
      if (this.data.photoPath) wx.previewImage({ urls: [this.data.photoPath] })
    },
  },
}))
