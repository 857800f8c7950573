/**
 * The answer sheet (答题) without the page: the session that ties the server, the autosave
 * queue and the countdown together (the pure views are in views.js). The page
 * (index.js) only forwards taps and lifecycle events and calls setData with what comes out.
 *
 * The flow (SPEC §5–6, seed manual 2.2.5):
 * - load: GET the attempt → merge the server's saved answers with the ones kept on the device
 *   (sent at once) → countdown from the server's remaining seconds. Not started yet → the
 *   start face check (camera page).
 * - every tap is an answer: kept on the device, sent, and the grid shows saved / pending / failed.
 * - 409 face_check_required (mid) from a save or from the gate poll → the mid check (camera page);
 *   back on this page the gate is read again and the queue goes on.
 * - 交卷: once (a second tap is ignored while it runs) → confirm → every answer sent → the submit
 *   face check (camera page) → back here → submit → result.
 * - the deadline (countdown zero, or 409 attempt_closed from the server, e.g. the window closing):
 *   what could be sent is sent, the server submits with what was saved, the result is shown.
 */
const { createAutosave, discard } = require('../../../utils/autosave')
const { createCountdown, formatSeconds } = require('../../../utils/countdown')
const { TEXT, messageOf } = require('../messages')

const {
  questionView, toggle, gridView, saveText, bannerView, clockTone, resultView, cameraUrl,
} = require('./views')

const GATE_POLL_MS = 90000
const SUBMIT_FLUSH_MS = 10000
const AUTO_FLUSH_MS = 6000
const AUTO_RETRY_MS = [2000, 4000, 8000, 15000, 30000]

// --- the session ------------------------------------------------------------------------------
/**
 * deps: {api (services/exam), ui, render(patch), handoff?, storage?, clock?, timers?, pollMs?}
 * ui: {toast(text), alert(title, text) → Promise, confirm(title, text, okText) → Promise<bool>,
 *      navigate(url), redirect(url), toList(), toLogin(), takeSnapshot() → Promise<path>}
 */
function createExamSession(deps) {
  const { api, ui, render } = deps
  const timers = Object.assign({
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h),
    setInterval: (fn, ms) => setInterval(fn, ms),
    clearInterval: (h) => clearInterval(h),
  }, deps.timers || {})
  const clock = deps.clock || (() => Date.now())
  const pollMs = deps.pollMs || GATE_POLL_MS

  const s = {
    attemptId: null,
    attempt: null,
    questions: [],
    index: 0,
    phase: 'loading',
    autosave: null,
    countdown: null,
    loaded: false,
    submitting: false,
    autoSubmitting: false,
    autoTries: 0,
    waitingFor: null, // 'mid' | 'submit': the camera page is open for this check
    midPrompting: false,
    ended: false,
    poll: null,
    autoTimer: null,
    seconds: null,
    snapshotsOff: false,
    netDown: false, // wx.onNetworkStatusChange said the network is gone
    authLostShown: false,
  }

  // --- rendering --------------------------------------------------------------------------
  function answers() {
    return s.autosave ? s.autosave.answers() : {}
  }

  function questionPatch() {
    const q = s.questions[s.index]
    const chosen = q ? answers()[q.no] : null
    const snap = s.autosave ? s.autosave.snapshot() : null
    const state = q && chosen && chosen.length && snap ? snap.states[q.no] : null
    return {
      index: s.index,
      total: s.questions.length,
      question: questionView(q, chosen),
      saveState: state || '',
      saveText: saveText(state, q && s.autosave ? s.autosave.entry(q.no) : null),
      isFirst: s.index === 0,
      isLast: s.index === s.questions.length - 1,
    }
  }

  function sheetPatch() {
    const snap = s.autosave ? s.autosave.snapshot() : null
    const all = answers()
    const grid = gridView(s.questions, all, snap ? snap.states : {}, s.index)
    const answered = grid.filter((c) => c.state !== 'empty').length
    return {
      grid,
      answered,
      unanswered: s.questions.length - answered,
      banner: bannerView(snap && s.netDown ? Object.assign({}, snap, { offline: true }) : snap),
      gateBlocked: !!(snap && snap.paused),
    }
  }

  function renderAll(extra) {
    render(Object.assign({ phase: s.phase }, questionPatch(), sheetPatch(), submitPatch(), extra || {}))
  }

  function submitPatch() {
    return {
      submitting: s.submitting || s.autoSubmitting,
      submitText: s.autoSubmitting ? '自动交卷中…' : (s.submitting ? '交卷中…' : '交卷'),
    }
  }

  // --- load and resume ----------------------------------------------------------------------
  async function load(attemptId) {
    s.attemptId = attemptId
    s.phase = 'loading'
    render({ phase: 'loading', errorText: '' })
    let view = deps.handoff ? deps.handoff.take(attemptId) : null // from the start check
    if (!view) {
      try {
        view = await api.getAttempt(attemptId)
      } catch (err) {
        return loadFailed(err)
      }
    }
    s.loaded = true
    return take(view)
  }

  function loadFailed(err) {
    if (err && err.authLost) return authLost(err)
    s.phase = 'error'
    const text = err && err.network ? TEXT.loadFailed : messageOf(err, TEXT.loadFailed)
    render({ phase: 'error', errorText: text })
    return null
  }

  /** A view of the attempt from the server (GET, or a face check / submit answer). */
  function take(view) {
    s.attempt = view
    if (view.status && view.status.value === 'submitted') return showResult(view)
    if (view.gate && view.gate.required === 'start') {
      ui.redirect(cameraUrl(s.attemptId, 'start'))
      return null
    }
    if (view.paper && view.paper.questions) s.questions = view.paper.questions
    if (!s.autosave) s.autosave = makeAutosave()
    s.autosave.mergeServer(view.saved_answers || {})
    s.phase = 'exam'
    if (!s.countdown) s.countdown = makeCountdown()
    s.countdown.sync(view.remaining_seconds) // 0 here: the automatic submission starts
    s.countdown.start()
    startPoll()
    renderAll({
      title: (view.paper_type && view.paper_type.label) || '',
      attemptNo: view.attempt_no,
      errorText: '',
    })
    if (view.gate && view.gate.required === 'mid') promptMid()
    maybeSnapshot(view.gate)
    return view
  }

  function makeAutosave() {
    return createAutosave({
      attemptId: s.attemptId,
      storage: deps.storage,
      clock,
      setTimeout: timers.setTimeout,
      clearTimeout: timers.clearTimeout,
      api: {
        saveOne: (position, answer, seq) => api.saveAnswer(s.attemptId, position, answer, seq),
        saveMany: (items) => api.saveAnswers(s.attemptId, items),
      },
      onChange: () => {
        if (s.phase === 'exam') render(Object.assign(sheetPatch(), questionPatch()))
      },
      onSynced: (remaining) => {
        if (s.countdown) s.countdown.sync(remaining)
      },
      onClosed: (err) => closed(err),
      onFaceCheck: (moment) => {
        if (moment === 'start') ui.redirect(cameraUrl(s.attemptId, 'start'))
        else promptMid()
      },
      onRejected: (position, err) => ui.toast(messageOf(err, TEXT.rejected)),
      onAdopted: () => renderAll(),
      onAuthLost: (err) => authLost(err),
    })
  }

  function makeCountdown() {
    return createCountdown({
      clock,
      setInterval: timers.setInterval,
      clearInterval: timers.clearInterval,
      onTick: (seconds) => {
        s.seconds = seconds
        render({ clock: formatSeconds(seconds), clockTone: clockTone(seconds) })
      },
      onWarn: (w) => {
        if (!s.ended) ui.alert(TEXT.warnTitle, w.message)
      },
      onZero: () => timeUp(),
      onJump: () => refresh(),
    })
  }

  /** Read the attempt again (back from the background, the clock jumped). */
  async function refresh() {
    if (!s.loaded || s.ended) return null
    let view
    try {
      view = await api.getAttempt(s.attemptId)
    } catch (err) {
      if (err && err.authLost) authLost(err)
      return null // offline: the countdown goes on from the last server answer
    }
    return s.ended ? null : take(view)
  }

  // --- answering ------------------------------------------------------------------------------
  function choose(label) {
    // While 交卷 runs (its answers are being sent) and after the deadline, taps change nothing.
    if (s.phase !== 'exam' || s.ended || s.autoSubmitting || s.submitting) return
    const q = s.questions[s.index]
    if (!q) return
    const next = toggle(q, answers()[q.no], label)
    if (!next) {
      ui.toast(TEXT.minOneOption)
      return
    }
    s.autosave.answer(q.no, next)
    renderAll()
    if (s.autosave.paused === 'mid') promptMid()
  }

  function goTo(index) {
    const i = Number(index)
    if (!(i >= 0 && i < s.questions.length)) return
    s.index = i
    render(Object.assign(questionPatch(), sheetPatch()))
  }

  // --- face checks ----------------------------------------------------------------------------
  async function promptMid() {
    if (s.midPrompting || s.waitingFor || s.ended || s.autoSubmitting) return
    s.midPrompting = true
    if (s.autosave && !s.autosave.paused) s.autosave.pause('mid')
    renderAll()
    await ui.alert(TEXT.midPromptTitle, TEXT.midPrompt, '去核验')
    s.midPrompting = false
    if (s.ended) return
    s.waitingFor = 'mid'
    ui.navigate(cameraUrl(s.attemptId, 'mid'))
  }

  /** Back on this page (from the camera page, or from the background). */
  async function onShow() {
    if (!s.loaded || s.ended) return
    if (s.countdown) s.countdown.start() // from the last server answer until the next one
    const waiting = s.waitingFor
    s.waitingFor = null
    let view
    try {
      view = await api.getAttempt(s.attemptId)
    } catch (err) {
      if (err && err.authLost) return authLost(err)
      if (waiting === 'submit') {
        s.submitting = false
        renderAll()
        ui.alert(TEXT.submitConfirmTitle, TEXT.submitNetwork)
      }
      return null
    }
    if (s.ended) return null
    const gate = view.gate || {}
    if (waiting === 'mid' || waiting === 'mid-then-submit' || (s.autosave && s.autosave.paused === 'mid')) {
      if (gate.required !== 'mid' && s.autosave) s.autosave.resume()
    }
    take(view)
    if (waiting === 'mid-then-submit' && view.status && view.status.value !== 'submitted') {
      if (gate.required !== 'mid') return submitNow(false) // on to the submit check and 交卷
      s.submitting = false
      renderAll()
      ui.toast(TEXT.midBeforeSubmitMissing)
    }
    if (waiting === 'submit' && view.status && view.status.value !== 'submitted') {
      if (gate.submit_check_passed) return submitNow(false)
      s.submitting = false
      renderAll()
      ui.toast(TEXT.submitCheckMissing)
    }
    return view
  }

  function startPoll() {
    if (s.poll !== null) return
    s.poll = timers.setInterval(pollGate, pollMs)
  }

  function stopPoll() {
    if (s.poll !== null) timers.clearInterval(s.poll)
    s.poll = null
  }

  /** The server may ask for the mid check while no answer is being saved: ask it now and then. */
  async function pollGate() {
    if (s.ended || s.waitingFor) return
    let out
    try {
      out = await api.getFaceGate(s.attemptId)
    } catch (err) {
      if (err && err.authLost) authLost(err)
      return
    }
    const gate = (out && out.gate) || {}
    if (gate.state === 'closed') return closed({ message: TEXT.closedElsewhere })
    if (gate.required === 'mid') promptMid()
    maybeSnapshot(gate)
  }

  /** Silent snapshots (抓拍) when the server asks for one — see services/exam.js TODO. */
  async function maybeSnapshot(gate) {
    if (!api.SNAPSHOTS_SUPPORTED || s.snapshotsOff || !gate || !gate.snapshot_due || !ui.takeSnapshot) return
    render({ snapshotCamera: true })
    try {
      const path = await ui.takeSnapshot()
      await api.faceCheck(s.attemptId, 'snapshot', path)
    } catch (err) {
      if (err && (err.status === 422 || err.status === 400)) s.snapshotsOff = true // not accepted: stop trying
    }
  }

  // --- 交卷 --------------------------------------------------------------------------------------
  async function requestSubmit() {
    if (s.submitting || s.autoSubmitting || s.ended || s.phase !== 'exam') return
    s.submitting = true
    renderAll()
    const total = s.questions.length
    const answered = Object.keys(answers()).filter((k) => answers()[k].length).length
    const ok = await ui.confirm(TEXT.submitConfirmTitle, TEXT.submitConfirm(answered, total), '确定交卷')
    if (!ok || s.ended) {
      s.submitting = false
      renderAll()
      return
    }
    const flushed = await s.autosave.flush({ timeoutMs: SUBMIT_FLUSH_MS })
    if (s.ended) return
    if (!flushed.ok) {
      s.submitting = false
      renderAll()
      if (flushed.reason === 'face_check') return promptMid()
      if (flushed.reason === 'closed' || flushed.reason === 'auth') return // handled by the queue
      ui.alert(TEXT.submitConfirmTitle, TEXT.unsavedBeforeSubmit(flushed.unsaved || 1))
      return
    }
    let gate
    try {
      gate = ((await api.getFaceGate(s.attemptId)) || {}).gate || {}
    } catch (err) {
      return submitFailed(err)
    }
    if (gate.submit_check_passed) return submitNow(false)
    s.waitingFor = 'submit'
    ui.navigate(cameraUrl(s.attemptId, 'submit'))
  }

  async function submitNow(auto) {
    let view
    try {
      view = await api.submitAttempt(s.attemptId)
    } catch (err) {
      return auto ? autoSubmitFailed(err) : submitFailed(err)
    }
    return showResult(view)
  }

  function submitFailed(err) {
    s.submitting = false
    renderAll()
    if (err && err.authLost) return authLost(err)
    if (err && err.code === 'face_check_required') {
      // the server asks for the check it needs: the mid check first when its moment has not come
      // (it cannot be skipped by submitting early), then the submit check
      const mid = Boolean(err.details && err.details.moment === 'mid')
      s.submitting = true
      s.waitingFor = mid ? 'mid-then-submit' : 'submit'
      if (mid && s.autosave && !s.autosave.paused) s.autosave.pause('mid')
      ui.navigate(cameraUrl(s.attemptId, mid ? 'mid' : 'submit'))
      return null
    }
    if (err && err.code === 'attempt_closed') return closed(err)
    ui.alert(TEXT.submitConfirmTitle, err && err.network ? TEXT.submitNetwork : messageOf(err))
    return null
  }

  // --- the deadline -------------------------------------------------------------------------
  async function timeUp() {
    if (s.ended || s.autoSubmitting) return
    s.autoSubmitting = true
    renderAll({ notice: TEXT.autoSubmitting })
    if (s.autosave && !s.autosave.closed) await s.autosave.flush({ timeoutMs: AUTO_FLUSH_MS })
    if (s.ended) return
    return submitNow(true)
  }

  function autoSubmitFailed(err) {
    if (err && err.authLost) return authLost(err)
    if (err && err.code === 'face_check_required') {
      // The server's deadline has not passed yet (this device's clock ran fast): take its time.
      s.autoSubmitting = false
      renderAll({ notice: '' })
      refresh()
      return null
    }
    const wait = AUTO_RETRY_MS[Math.min(s.autoTries, AUTO_RETRY_MS.length - 1)]
    s.autoTries += 1
    render({ notice: err && err.network ? TEXT.autoSubmitOffline : TEXT.autoSubmitting })
    s.autoTimer = timers.setTimeout(() => {
      s.autoTimer = null
      if (!s.ended) submitNow(true)
    }, wait)
    return null
  }

  /** The server says the attempt is over (deadline, window closed, submitted elsewhere). */
  async function closed(err) {
    if (s.ended) return null
    end()
    render({ notice: messageOf(err, TEXT.closedTitle) })
    await ui.alert(TEXT.closedTitle, messageOf(err, TEXT.resultAuto))
    let view
    try {
      view = await api.getAttempt(s.attemptId)
    } catch (e) {
      ui.toList()
      return null
    }
    return showResult(view)
  }

  function showResult(view) {
    end()
    s.attempt = view
    s.phase = 'result'
    if (s.autosave) s.autosave.clear()
    else discard(s.attemptId, deps.storage)
    render({ phase: 'result', result: resultView(view), submitting: false, notice: '' })
    return view
  }

  function end() {
    s.ended = true
    s.submitting = false
    s.autoSubmitting = false
    if (s.countdown) s.countdown.stop()
    stopPoll()
    if (s.autoTimer !== null) timers.clearTimeout(s.autoTimer)
    s.autoTimer = null
  }

  async function authLost(err) {
    if (s.authLostShown) return
    s.authLostShown = true
    await ui.alert('登录已失效', TEXT.authLost || messageOf(err))
    ui.toLogin()
  }

  // --- lifecycle ------------------------------------------------------------------------------
  function onNetwork(connected) {
    s.netDown = !connected
    if (s.phase === 'exam') render(sheetPatch())
    if (connected && s.autosave) s.autosave.retryNow()
    if (connected && s.autoTimer !== null && !s.ended) {
      timers.clearTimeout(s.autoTimer)
      s.autoTimer = null
      submitNow(true)
    }
  }

  function onHide() {
    if (s.countdown) s.countdown.stop()
  }

  function unload() {
    if (s.countdown) s.countdown.stop()
    stopPoll()
    if (s.autoTimer !== null) timers.clearTimeout(s.autoTimer)
    if (s.autosave && !s.ended) s.autosave.stop() // what is unsent stays in storage
  }

  return {
    load,
    choose,
    goTo,
    next: () => goTo(s.index + 1),
    prev: () => goTo(s.index - 1),
    requestSubmit,
    onShow,
    onHide,
    onNetwork,
    unload,
    timeUp,
    pollGate,
    state: s,
  }
}

module.exports = Object.assign({ createExamSession, GATE_POLL_MS }, require('./views'))
