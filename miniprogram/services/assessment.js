// @ts-check
/**
 * The physician's assessment: 首页, 考核进度, 我要报名 (five steps, 照片, 证明材料, 提交信息),
 * 重新选择考核程序, 申请修改. Server: server/routes/mp/assessment.py.
 * Every answer about the assessment carries `actions`: the buttons to show.
 */
const http = require('./request')

/**
 * 首页: {registration, cycle, stage, hint, unread_messages, last_reason, assessment, actions}.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/home', 'get'>>}
 */
function home(opts) {
  return http.get('/home', undefined, opts)
}

/**
 * 考核进度: the whole record, evaluation, side flows' details, history, actions.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/assessment', 'get'>>}
 */
function record(opts) {
  return http.get('/assessment', undefined, opts)
}

/**
 * 我要报名: {mode, editable, photo, steps[{step, data, read_only, editable, missing}], missing, ...}.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/enrolment', 'get'>>}
 */
function enrolment(opts) {
  return http.get('/enrolment', undefined, opts)
}

/**
 * 保存 one step's draft: {step, data, missing, complete, actions}.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/enrolment/{step}', 'put'>>}
 */
function saveStep(step, data) {
  return http.put(`/enrolment/${step}`, data)
}

/**
 * 照片上传 (1寸免冠): {file_id, width, height, ...}.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/enrolment/photo', 'post'>>}
 */
function uploadPhoto(filePath) {
  return http.upload({ url: '/enrolment/photo', filePath, name: 'photo' })
}

/** The current photo as a local file (the image needs the token, so it is downloaded). */
async function photoFile() {
  const res = await http.download({ url: '/enrolment/photo', silent: true })
  return res.tempFilePath
}

/**
 * 上传证明材料: one file (image or PDF) → its row {id, name, content_type, size}.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/uploads', 'post'>>}
 */
async function uploadProof(filePath) {
  const body = await http.upload({ url: '/uploads', filePath, name: 'file' })
  return (body && body.data && body.data[0]) || null
}

/**
 * 提交信息 → the assessment summary (422 enrolment_incomplete lists what is missing in details).
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/enrolment/submit', 'post'>>}
 */
function submit() {
  return http.post('/enrolment/submit', {})
}

/**
 * 重新选择考核程序 (待重新选择考核程序): the procedure step, optionally a new self-assessment.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/procedure/resubmit', 'post'>>}
 */
function resubmitProcedure(procedure, selfAssessment) {
  const body = Object.assign({}, procedure)
  if (selfAssessment) body.self_assessment = selfAssessment
  return http.post('/procedure/resubmit', body)
}

/**
 * 申请修改 (after enrolment), with an optional note.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/modification/request', 'post'>>}
 */
function requestModification(note) {
  return http.post('/modification/request', note ? { note } : {})
}

/**
 * 修改信息 (允许修改后): {basic?, practice?, experience?}.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/modification', 'put'>>}
 */
function saveModification(changes) {
  return http.put('/modification', changes)
}

/**
 * 提交修改.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/modification/submit', 'post'>>}
 */
function submitModification() {
  return http.post('/modification/submit', {})
}

module.exports = {
  home,
  record,
  enrolment,
  saveStep,
  uploadPhoto,
  photoFile,
  uploadProof,
  submit,
  resubmitProcedure,
  requestModification,
  saveModification,
  submitModification,
}
