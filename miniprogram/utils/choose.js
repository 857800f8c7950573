/**
 * Picking files on the phone (no server here: the upload is services/'s job).
 * chooseImage → a local path; chooseProof → {path, name} of an image or a PDF from a chat.
 */
function chooseImage({ camera = true } = {}) {
  return new Promise((resolve, reject) => {
    wx.chooseMedia({
      count: 1,
      mediaType: ['image'],
      sourceType: camera ? ['album', 'camera'] : ['album'],
      sizeType: ['compressed'],
      success: res => resolve(res.tempFiles[0].tempFilePath),
      fail: reject,
    })
  })
}

function chooseFromChat() {
  return new Promise((resolve, reject) => {
    wx.chooseMessageFile({
      count: 1,
      type: 'file',
      extension: ['pdf', 'jpg', 'jpeg', 'png'],
      success: res => resolve({ path: res.tempFiles[0].path, name: res.tempFiles[0].name }),
      fail: reject,
    })
  })
}

/** 上传证明材料: 从相册选择 / 拍照, or 从聊天记录选择 (PDF). Rejects when the physician cancels. */
function chooseProof() {
  return new Promise((resolve, reject) => {
    wx.showActionSheet({
      itemList: ['从相册选择或拍照', '从聊天记录选择（图片或PDF）'],
      success: res => {
        const pick = res.tapIndex === 1
          ? chooseFromChat()
          : chooseImage().then(path => ({ path, name: path.split('/').pop() }))
        pick.then(resolve, reject)
      },
      fail: reject,
    })
  })
}

module.exports = { chooseImage, chooseProof }
