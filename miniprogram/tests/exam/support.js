/**
 * A fake of the server's exam API (server/routes/mp/exams.py) on top of the foundation's fake
 * wx (tests/helpers/wx.js): answers stored by seq like attempt_answers.save, the face gate,
 * submit (idempotent), and switches for a network drop, a 401, a closed window, a mid check.
 */
const QUESTIONS = [
  {
    no: 1, qtype: { value: 'single', label: '单选题' }, stem: '医师在执业活动中应当遵守的是',
    options: [{ label: 'A', text: '法律法规' }, { label: 'B', text: '个人习惯' }, { label: 'C', text: '他人建议' }, { label: 'D', text: '以上都不是' }],
  },
  {
    no: 2, qtype: { value: 'multiple', label: '多选题' }, stem: '医患沟通的要点包括',
    options: [{ label: 'A', text: '尊重' }, { label: 'B', text: '倾听' }, { label: 'C', text: '告知' }, { label: 'D', text: '回避' }],
  },
  {
    no: 3, qtype: { value: 'judge', label: '判断题' }, stem: '医师可以泄露患者隐私',
    options: [{ label: 'A', text: '正确' }, { label: 'B', text: '错误' }],
  },
]

function examServer(server, opts = {}) {
  const id = opts.id || 11
  const st = {
    id,
    stored: {}, // position → {chosen, seq}
    remaining: opts.remaining === undefined ? 3540 : opts.remaining,
    status: 'in_progress',
    gate: Object.assign({ state: 'open', required: null, start_check_passed: true, mid_checks_passed: 0, submit_check_passed: false }, opts.gate || {}),
    offline: false,
    closed: null, // a {code, message} for 409 attempt_closed on saves
    midDue: false,
    submits: 0,
    autoSubmitted: false,
    expireToken: null, // a token the server refuses with 401
  }

  function view() {
    const submitted = st.status === 'submitted'
    return {
      id, paper_type: { value: 'humanities', label: '人文医学' }, purpose: { value: 'first', label: '首轮考核' },
      attempt_no: 1, status: { value: st.status, label: submitted ? '已交卷' : '答题中' },
      clock_running: !submitted && st.gate.start_check_passed, duration_minutes: 60, question_count: QUESTIONS.length,
      remaining_seconds: submitted ? 0 : st.remaining, server_time: '2024-05-01T10:00:00+08:00',
      gate: submitted ? Object.assign({}, st.gate, { state: 'closed', required: null })
        : Object.assign({}, st.gate, st.midDue ? { state: 'awaiting_mid_check', required: 'mid' } : {}),
      saved_answers: JSON.parse(JSON.stringify(st.stored)), answered_count: Object.keys(st.stored).length,
      paper: submitted || !st.gate.start_check_passed ? null : { question_count: QUESTIONS.length, questions: QUESTIONS },
      result: submitted ? { score: 66.7, score_visible: true, passed: true, pass_line: 60, auto_submitted: st.autoSubmitted } : null,
    }
  }

  function guard(req) {
    if (st.offline) return 'network'
    if (st.expireToken && req.token === st.expireToken) return { status: 401, body: { code: 'unauthorized', message: '请先登录' } }
    return null
  }

  function blocked() {
    if (st.status === 'submitted' || st.closed) {
      return { status: 409, body: st.closed || { code: 'attempt_closed', message: '本次测评已交卷，不能再修改答案' } }
    }
    if (st.midDue) {
      return { status: 409, body: { code: 'face_check_required', message: '请先完成考中核验（人脸识别）后再继续', details: { moment: 'mid' } } }
    }
    return null
  }

  function apply(position, answer, seq) {
    const cur = st.stored[position]
    if (!cur || cur.seq < seq) {
      st.stored[position] = { chosen: answer, seq }
      return { position, applied: true, seq, chosen: answer }
    }
    return { position, applied: false, seq: cur.seq, chosen: cur.chosen }
  }

  server.on(`GET /attempts/${id}`, (req) => guard(req) || { status: 200, body: view() })
  QUESTIONS.forEach((q) => {
    server.on(`PUT /attempts/${id}/answers/${q.no}`, (req) => {
      const g = guard(req) || blocked()
      if (g) return g
      const r = apply(q.no, req.data.answer, req.data.seq)
      return { status: 200, body: Object.assign({ saved: true, remaining_seconds: st.remaining }, r) }
    })
  })
  server.on(`PUT /attempts/${id}/answers`, (req) => {
    const g = guard(req) || blocked()
    if (g) return g
    const results = req.data.answers.map((a) => apply(a.position, a.answer, a.seq))
    return { status: 200, body: { saved: true, remaining_seconds: st.remaining, results } }
  })
  server.on(`GET /attempts/${id}/face-gate`, (req) => guard(req) || {
    status: 200,
    body: { attempt_id: id, gate: Object.assign({}, st.gate, st.midDue ? { state: 'awaiting_mid_check', required: 'mid' } : {}), checks: [] },
  })
  server.on(`POST /attempts/${id}/submit`, (req) => {
    const g = guard(req)
    if (g) return g
    st.submits += 1
    if (st.status !== 'submitted') {
      if (st.remaining > 0 && !st.gate.submit_check_passed) {
        return { status: 409, body: { code: 'face_check_required', message: '请先完成交卷核验（人脸识别）后再继续', details: { moment: 'submit' } } }
      }
      st.autoSubmitted = st.remaining <= 0
      st.status = 'submitted'
    }
    return { status: 200, body: view() }
  })
  server.on('POST /auth/wechat-login', { status: 200, body: { token: 'new-token' } })
  return { st, view }
}

module.exports = { QUESTIONS, examServer }
