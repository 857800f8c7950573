/**
 * Client-side checks that only save a round trip; the server decides (same rules as
 * server/security.py). The ID number check is a hint only: other 证件类型 exist.
 */
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const ID_CHECK = '10X98765432'
const PASSWORD_RE = /^(?=.*[A-Za-z])(?=.*\d)[\x21-\x7e]{8,32}$/
const PHONE_RE = /^1[3-9]\d{9}$/

/** Characters as the server counts them (code points, so an emoji is one). */
function textLength(text) {
  return Array.from(text || '').length
}

/** A hint under 证件号码 when it looks like a 居民身份证号码 but is not a valid one; '' otherwise. */
function idNumberHint(raw) {
  const value = (raw || '').trim().toUpperCase()
  if (!value) return ''
  if (!/^\d+X?$/.test(value)) return '' // passport or another document: nothing to say
  if (!/^\d{17}[\dX]$/.test(value)) return '身份证号码应为18位（最后一位可为X）'
  const sum = ID_WEIGHTS.reduce((acc, w, i) => acc + Number(value[i]) * w, 0)
  if (ID_CHECK[sum % 11] !== value[17]) return '身份证号码校验位有误，请核对'
  return ''
}

function passwordProblem(password) {
  return PASSWORD_RE.test(password || '') ? '' : '新密码须为8-32位，且同时包含字母和数字'
}

function phoneProblem(phone) {
  return PHONE_RE.test((phone || '').trim()) ? '' : '请输入正确的11位手机号码'
}

module.exports = { textLength, idNumberHint, passwordProblem, phoneProblem }
