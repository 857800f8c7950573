// @ts-check
/**
 * 申请免考 and 申请延期考核. Server: server/routes/mp/assessment.py.
 */
const http = require('./request')
const assessment = require('./assessment')

/**
 * 申请免考入口: {paper, procedure, open, can_apply, reasons[{id,text}], status, last_reason, application, actions}.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/exemption', 'get'>>}
 */
function exemption(opts) {
  return http.get('/exemption', undefined, opts)
}

/**
 * 提交免考申请: reasons of the province, proofs (at least one), note.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/exemption', 'post'>>}
 */
function applyExemption({ reasonIds, proofIds, note }) {
  /** @type {import('../types').Body<'/api/v1/mp/exemption', 'post'>} */
  const payload = { reason_ids: reasonIds, proof_ids: proofIds, note: note || '' }
  return http.post('/exemption', payload)
}

/**
 * 申请延期考核 with a reason (before the province's deadline).
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/delay', 'post'>>}
 */
function applyDelay(reason) {
  /** @type {import('../types').Body<'/api/v1/mp/delay', 'post'>} */
  const payload = { reason }
  return http.post('/delay', payload)
}

module.exports = { exemption, applyExemption, applyDelay, uploadProof: assessment.uploadProof }
