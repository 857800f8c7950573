// @ts-check
/**
 * 考核结果 and the 考核结果通知书 (PDF). Server: server/routes/mp/results.py.
 */
const http = require('./request')

/**
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/results', 'get'>>}
 */
function result(opts) {
  return http.get('/results', undefined, opts)
}

function openDocument(filePath) {
  return new Promise((resolve, reject) => {
    wx.openDocument({
      filePath,
      fileType: 'pdf',
      showMenu: true, // 转发 / 保存 / 打印
      success: resolve,
      fail() {
        const message = '文件已下载，但无法打开，请稍后重试'
        wx.showToast({ title: message, icon: 'none', duration: 2500 })
        reject(new http.ApiError({ code: 'open_failed', message }))
      },
    })
  })
}

/** 下载考核结果通知书 (only when 合格): downloads it and opens it. */
async function downloadCertificate(assessmentId) {
  const query = assessmentId ? `?assessment_id=${encodeURIComponent(assessmentId)}` : ''
  const file = await http.download({ url: `/results/certificate${query}` })
  await openDocument(file.tempFilePath)
  return file.tempFilePath
}

/**
 * 复核申请: {status, result, can_apply, deadline, reason, proof_ids, decision_reason, …}.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/appeal', 'get'>>}
 */
function appeal(opts) {
  return http.get('/appeal', undefined, opts)
}

/**
 * 申请复核 (within 30 days of the result, once).
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/appeal', 'post'>>}
 */
function applyAppeal({ reason, proofIds }) {
  /** @type {import('../types').Body<'/api/v1/mp/appeal', 'post'>} */
  const payload = { reason: (reason || '').trim(), proof_ids: proofIds || [] }
  return http.post('/appeal', payload)
}

module.exports = { result, downloadCertificate, appeal, applyAppeal }
