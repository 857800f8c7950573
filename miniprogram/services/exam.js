// @ts-check
/**
 * 参加测评 — the exam API of the server (/api/v1/mp, server/routes/mp/exams.py).
 *
 * Pages call only these functions (STYLE habit 12); every call goes through request.js
 * (token, 401 → wx.login re-login once → retry, Chinese toasts unless `silent`).
 * A rejection is {code, message, status, details?, network?}: `message` is the server's Chinese
 * reason (or request.js's own for a network failure).
 *
 * Paths are under /api/v1/mp: request.js adds the server and the prefix.
 * The server owns the clock: responses carry `remaining_seconds`; the client never sends time.
 */
const { request, upload } = require('./request')

// In an exam a lost login must not throw the physician out of the page: the answers are kept
// on the device and the page says what to do (request.js `noRedirect`).
const IN_EXAM = { silent: true, noRedirect: true }

/**
 * 考核详情: name, masked ID, institution, 执业类别, 医师级别, 考核程序, 考核时间, confirmed or not.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/exams/info', 'get'>>}
 */
function examInfo(options = {}) {
  return request({ url: '/exams/info', method: 'GET', silent: options.silent })
}

/**
 * 确认考核信息 (idempotent): the 试卷列表 and 进入 wait for it (409 exam_info_unconfirmed before).
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/exams/info/confirm', 'post'>>}
 */
function confirmExamInfo(assessmentId) {
  return request({ url: '/exams/info/confirm', method: 'POST', data: { assessment_id: assessmentId }, silent: true })
}

/**
 * 考核详情 → 确认考核信息 → 试卷列表: papers with attempts used / left, best score, can_enter and reason.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/exams', 'get'>>}
 */
function listExams(options = {}) {
  return request({ url: '/exams', method: 'GET', silent: options.silent })
}

/**
 * 人脸信息采集授权 (manual 2.2.5: before the first exam of the cycle).
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/exams/face-consent', 'post'>>}
 */
function giveFaceConsent() {
  return request({ url: '/exams/face-consent', method: 'POST', data: { agree: true }, silent: true })
}

/**
 * 进入 a paper: the attempt under way (any device) or a new one waiting for the start face
 * check. `paperType` is "humanities" | "professional". Refusals (409) carry the reason code:
 * window_closed, prerequisite_not_met, no_attempts_left, face_consent_required, ...
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/exams/{paper_type}/start', 'post'>>}
 */
function startExam(paperType) {
  return request({ url: `/exams/${encodeURIComponent(paperType)}/start`, method: 'POST', silent: true })
}

/**
 * Resume: questions (while the clock runs), saved answers, remaining_seconds, the face gate.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/attempts/{attempt_id}', 'get'>>}
 */
function getAttempt(attemptId, options = {}) {
  return request({ url: `/attempts/${attemptId}`, method: 'GET', ...IN_EXAM, silent: options.silent !== false })
}

/**
 * 保存一题答案: {answer: ["A"], seq} → {saved, applied, position, seq, chosen, remaining_seconds}.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/attempts/{attempt_id}/answers/{position}', 'put'>>}
 */
function saveAnswer(attemptId, position, answer, seq) {
  return request({
    url: `/attempts/${attemptId}/answers/${position}`,
    method: 'PUT',
    data: { answer, seq },
    ...IN_EXAM,
  })
}

/**
 * 保存多题答案 (offline replay): items [{position, answer, seq}] → {remaining_seconds, results[]}.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/attempts/{attempt_id}/answers', 'put'>>}
 */
function saveAnswers(attemptId, items) {
  return request({
    url: `/attempts/${attemptId}/answers`,
    method: 'PUT',
    data: { answers: items.map((i) => ({ position: i.position, answer: i.answer, seq: i.seq })) },
    ...IN_EXAM,
  })
}

/**
 * 交卷 (idempotent). Before the deadline a passed submit face check is needed.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/attempts/{attempt_id}/submit', 'post'>>}
 */
function submitAttempt(attemptId) {
  return request({ url: `/attempts/${attemptId}/submit`, method: 'POST', ...IN_EXAM })
}

/**
 * The face gate: {gate: {state, required, submit_check_passed, ...}, checks: [...]}.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/attempts/{attempt_id}/face-gate', 'get'>>}
 */
function getFaceGate(attemptId) {
  return request({ url: `/attempts/${attemptId}/face-gate`, method: 'GET', ...IN_EXAM })
}

/**
 * 人脸核验: upload a photo for moment "start" | "mid" | "submit".
 * → {check: {passed, decision, reason, moment}, gate, attempt}. A refused face (passed: false)
 * is an answer, not an error; `check.reason` says why in Chinese.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/attempts/{attempt_id}/face-check', 'post'>>}
 */
function faceCheck(attemptId, moment, filePath) {
  return upload({
    url: `/attempts/${attemptId}/face-check`,
    filePath,
    name: 'image',
    formData: { moment },
    ...IN_EXAM,
  })
}

/**
 * Silent snapshots (随机抓拍, SPEC §4 stage 4 and §6).
 * The server chooses the moments (gate.snapshot_due) and accepts a never-blocking "snapshot"
 * upload; the paper page shows its small camera and uploads through
 * `faceCheck(id, 'snapshot', path)`. A replayed image is refused (409 replayed_image) and ignored.
 */
const SNAPSHOTS_SUPPORTED = true

module.exports = {
  SNAPSHOTS_SUPPORTED,
  examInfo,
  confirmExamInfo,
  listExams,
  giveFaceConsent,
  startExam,
  getAttempt,
  saveAnswer,
  saveAnswers,
  submitAttempt,
  getFaceGate,
  faceCheck,
}
