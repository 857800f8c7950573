/**
 * The face check page without the page (SPEC §6): what to tell the physician before the photo,
 * and what follows the server's answer. A refused face is an answer (200, `check.passed: false`,
 * `check.reason` in Chinese); the physician tries again. Errors are refusals of the check itself.
 */
const { messageOf } = require('../messages')

const PAPER = '/pages/exam/paper/index'
const LIST = '/pages/exam/list/index'

const GUIDANCE = [
  '光线充足，避免逆光或背对窗户',
  '正对镜头，保持脸部完整位于取景框中央',
  '摘下口罩和帽子，不佩戴墨镜',
  '画面中仅有本人，不要遮挡摄像头',
]

const MOMENTS = {
  start: { title: '开考人脸核验', intro: '开始答题前需核验本人身份，核验通过后开始计时。', pass: '核验通过，开始答题' },
  mid: { title: '考中人脸核验', intro: '考试中随机核验本人身份。考试计时不会暂停，已作答的答案不会丢失。', pass: '核验通过，请继续答题' },
  submit: { title: '交卷人脸核验', intro: '交卷前需核验本人身份，核验通过后将提交试卷。', pass: '核验通过，正在交卷' },
}

const NETWORK = '网络连接失败，照片未上传。请检查网络后点击“重新上传”'

function momentOf(raw) {
  return MOMENTS[raw] ? raw : 'start'
}

/**
 * What follows an upload: {kind, message, next: {type: 'redirect'|'back'|'list'|'login'|'stay', url?},
 * reupload}. `out` is the server's answer, `err` a rejection.
 */
function afterCheck(moment, attemptId, out, err) {
  const paper = `${PAPER}?id=${attemptId}`
  const onwards = moment === 'start' ? { type: 'redirect', url: paper } : { type: 'back' }
  if (!err) {
    const check = (out && out.check) || {}
    if (check.passed) return { kind: 'passed', message: MOMENTS[moment].pass, next: onwards }
    return { kind: 'refused', message: check.reason || '人脸核验未通过，请按提示调整后重新拍摄', next: { type: 'stay' } }
  }
  if (err.authLost) return { kind: 'error', message: messageOf(err), next: { type: 'login' } }
  if (err.network) return { kind: 'error', message: NETWORK, next: { type: 'stay' }, reupload: true }
  switch (err.code) {
    case 'face_check_not_due': // already passed (start), or no longer asked for (mid)
    case 'attempt_closed': // the deadline passed or it was submitted: the paper page shows the result
      return { kind: 'error', message: messageOf(err), next: onwards, notify: true }
    case 'window_closed':
    case 'attempt_not_found':
      return { kind: 'error', message: messageOf(err), next: { type: 'list' }, notify: true }
    case 'face_check_required': // e.g. the start check is still missing
      return { kind: 'error', message: messageOf(err), next: { type: 'stay' } }
    default:
      return {
        kind: 'error',
        message: messageOf(err, '人脸核验失败，请重新拍摄'),
        next: { type: 'stay' },
        reupload: !err.status || err.status >= 500 || err.status === 429,
      }
  }
}

module.exports = { GUIDANCE, MOMENTS, NETWORK, PAPER, LIST, momentOf, afterCheck }
