/**
 * 申请免考 and 申请延期考核. Server: server/routes/mp/assessment.py.
 */
const http = require('./request')
const assessment = require('./assessment')

/** 申请免考入口: {paper, procedure, open, can_apply, reasons[{id,text}], status, last_reason, application, actions}. */
function exemption(opts) {
  return http.get('/exemption', undefined, opts)
}

/** 提交免考申请: reasons of the province, proofs (at least one), note. */
function applyExemption({ reasonIds, proofIds, note }) {
  return http.post('/exemption', { reason_ids: reasonIds, proof_ids: proofIds, note: note || '' })
}

/** 申请延期考核 with a reason (before the province's deadline). */
function applyDelay(reason) {
  return http.post('/delay', { reason })
}

module.exports = { exemption, applyExemption, applyDelay, uploadProof: assessment.uploadProof }
