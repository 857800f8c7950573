/**
 * Every answer saved as it is given (SPEC §5: "survives a dropped connection, an app restart,
 * a device change and a server restart").
 *
 * - `answer(position, letters)` gives the answer the next sequence number, writes it to wx
 *   storage at once (it survives the app being killed), and queues it.
 * - One request at a time, oldest seq first; the newest answer of a question replaces an older
 *   unsent one (last write wins per question, as on the server, which ignores a seq lower than
 *   or equal to the stored one).
 * - A network failure (or a 5xx, a 429, a 401 that re-login could not fix) marks the answers
 *   `failed` and retries with backoff; they stay in storage until the server acknowledges them.
 * - 409 `attempt_closed` (deadline passed, submitted) or 404: the queue stops and `onClosed` tells
 *   the page. 409 `face_check_required`: the queue pauses (`onFaceCheck(moment)`) until `resume()`.
 * - A login request.js could not renew (`authLost`): kept, not retried; `onAuthLost` tells the page.
 * - 422 (the server refuses the answer itself): that answer is marked failed and not retried.
 * - `mergeServer(saved_answers)` after a (re)load: the server's newer answers are taken, the local
 *   unsent ones are sent, and the counter moves above every seq the server has (device change).
 *
 * States per question: "saved" | "pending" | "failed". Pure: storage, sender and timers injected.
 */

const STORAGE_PREFIX = 'exam.answers.'
const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000, 30000]
const BATCH_MAX = 300

function storageKey(attemptId) {
  return `${STORAGE_PREFIX}${attemptId}`
}

function wxStorage() {
  /* global wx */
  return {
    get: (key) => wx.getStorageSync(key),
    set: (key, value) => wx.setStorageSync(key, value),
    remove: (key) => wx.removeStorageSync(key),
  }
}

/** ["c", "A", "A"] → ["A", "C"]. */
function normalise(letters) {
  const list = Array.isArray(letters) ? letters : [letters]
  return Array.from(new Set(list.map((x) => String(x).trim().toUpperCase()).filter(Boolean))).sort()
}

function sameAnswer(a, b) {
  return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i])
}

/** What a rejection of a save means for the queue. */
function classify(err) {
  const status = err && err.status
  const code = err && err.code
  if (err && err.authLost) return 'auth'
  if (status === 409 && code === 'attempt_closed') return 'closed'
  if (status === 404) return 'closed'
  if (status === 409 && code === 'face_check_required') return 'face'
  if (status === 422 || status === 400) return 'rejected'
  return 'retry'
}

function createAutosave(options) {
  const attemptId = options.attemptId
  const api = options.api // {saveOne(position, answer, seq), saveMany(items)} → Promise
  const storage = options.storage || wxStorage()
  const backoff = options.backoff || BACKOFF_MS
  const setTimer = options.setTimeout || ((fn, ms) => setTimeout(fn, ms))
  const clearTimer = options.clearTimeout || ((h) => clearTimeout(h))
  const clock = options.clock || (() => Date.now())
  const on = {
    change: options.onChange || (() => {}),
    closed: options.onClosed || (() => {}),
    face: options.onFaceCheck || (() => {}),
    synced: options.onSynced || (() => {}),
    rejected: options.onRejected || (() => {}),
    adopted: options.onAdopted || (() => {}),
    authLost: options.onAuthLost || (() => {}),
  }
  const key = storageKey(attemptId)

  let lastSeq = 0
  let entries = {} // position → {answer, seq, state, message?}
  let inFlight = null
  let retryTimer = null
  let retryIndex = 0
  let offline = false
  let paused = null // the face-check moment the server asked for
  let closed = null // the closing error
  let stopped = false
  let authLost = null // request.js could not log in again
  let persistError = null
  let waiters = []

  // --- storage ------------------------------------------------------------------------------
  function load() {
    let stored = null
    try {
      stored = storage.get(key)
    } catch (e) {
      stored = null
    }
    if (!stored || typeof stored !== 'object' || !stored.entries) return
    lastSeq = Number(stored.lastSeq) || 0
    Object.keys(stored.entries).forEach((pos) => {
      const e = stored.entries[pos]
      if (!e || !Array.isArray(e.answer) || typeof e.seq !== 'number') return
      // Whatever was in flight when the app died is sent again (the server dedups by seq).
      entries[pos] = { answer: e.answer, seq: e.seq, state: e.state === 'saved' ? 'saved' : 'pending' }
      if (e.state === 'failed' && e.rejected) entries[pos] = { ...entries[pos], state: 'failed', rejected: true }
      lastSeq = Math.max(lastSeq, e.seq)
    })
  }

  function persist() {
    try {
      storage.set(key, { v: 1, attemptId, lastSeq, entries, at: clock() })
      persistError = null
    } catch (e) {
      persistError = e // storage full: the answer still lives in memory and goes to the server
    }
  }

  // --- state --------------------------------------------------------------------------------
  function due() {
    return Object.keys(entries)
      .map((pos) => ({ position: Number(pos), ...entries[pos] }))
      .filter((e) => e.state !== 'saved' && !e.rejected)
      .sort((a, b) => a.seq - b.seq)
  }

  function snapshot() {
    const states = {}
    let pending = 0
    let failed = 0
    let rejected = 0
    Object.keys(entries).forEach((pos) => {
      const e = entries[pos]
      states[pos] = e.state
      if (e.state === 'pending') pending += 1
      if (e.state === 'failed') failed += 1
      if (e.rejected) rejected += 1
    })
    return {
      states,
      pending,
      failed,
      rejected,
      unsaved: pending + failed,
      offline,
      paused,
      closed: !!closed,
      sending: !!inFlight,
      persistError: !!persistError,
    }
  }

  function emit() {
    on.change(snapshot())
  }

  function settle(outcome) {
    const list = waiters
    waiters = []
    list.forEach((w) => w(outcome))
  }

  function outcome(ok, reason) {
    const snap = snapshot()
    return { ok, reason, unsaved: snap.unsaved, paused, closed: !!closed }
  }

  // --- the queue ------------------------------------------------------------------------------
  function kick() {
    if (inFlight || stopped || closed || paused || authLost || retryTimer !== null) return
    const items = due()
    if (!items.length) {
      settle(outcome(true, 'idle'))
      return
    }
    const batch = items.slice(0, BATCH_MAX).map((e) => ({ position: e.position, answer: e.answer, seq: e.seq }))
    inFlight = batch
    const sentAt = clock()
    const call = batch.length === 1
      ? api.saveOne(batch[0].position, batch[0].answer, batch[0].seq)
          .then((r) => ({ remaining: r && r.remaining_seconds, results: [r || {}] }))
      : api.saveMany(batch).then((r) => ({ remaining: r && r.remaining_seconds, results: (r && r.results) || [] }))
    emit()
    call.then(
      (res) => {
        inFlight = null
        if (stopped) return
        handleSuccess(batch, res, sentAt)
      },
      (err) => {
        inFlight = null
        if (stopped) return
        handleFailure(batch, err || {})
      }
    )
  }

  function handleSuccess(batch, res, sentAt) {
    offline = false
    retryIndex = 0
    let unexpected = false
    batch.forEach((item, i) => {
      const r = res.results.find((x) => x && Number(x.position) === item.position) || res.results[i] || {}
      if (!applyResult(item, r)) unexpected = true
    })
    persist()
    if (typeof res.remaining === 'number') on.synced(res.remaining, sentAt)
    emit()
    if (unexpected) scheduleRetry()
    else kick()
  }

  /** One acknowledged item; false if the server's answer makes no sense (retried later). */
  function applyResult(item, r) {
    const entry = entries[item.position]
    const serverSeq = typeof r.seq === 'number' ? r.seq : null
    if (r.applied || serverSeq === item.seq) {
      if (entry && entry.seq === item.seq) entries[item.position] = { answer: item.answer, seq: item.seq, state: 'saved' }
      return true
    }
    if (serverSeq !== null && serverSeq > item.seq) {
      // The server holds a newer answer (another device): our counter moves past it.
      lastSeq = Math.max(lastSeq, serverSeq)
      if (entry && entry.seq === item.seq) {
        const chosen = Array.isArray(r.chosen) ? r.chosen : item.answer
        entries[item.position] = { answer: chosen, seq: serverSeq, state: 'saved' }
        on.adopted(item.position, chosen)
      } else if (entry && entry.seq <= serverSeq) {
        lastSeq += 1
        entries[item.position] = { ...entry, seq: lastSeq } // this device's latest choice, sent next
      }
      return true
    }
    return false
  }

  function handleFailure(batch, err) {
    const kind = classify(err)
    if (kind === 'closed') {
      closed = err
      persist()
      emit()
      on.closed(err)
      settle(outcome(false, 'closed'))
      return
    }
    if (kind === 'face') {
      paused = (err.details && err.details.moment) || 'mid'
      emit()
      on.face(paused, err)
      settle(outcome(false, 'face_check'))
      return
    }
    if (kind === 'auth') {
      // request.js could not log in again: keep everything here, stop until the page reloads.
      batch.forEach((item) => {
        const entry = entries[item.position]
        if (entry && entry.seq === item.seq) entry.state = 'failed'
      })
      authLost = err
      persist()
      emit()
      on.authLost(err)
      settle(outcome(false, 'auth'))
      return
    }
    if (kind === 'rejected') {
      const position = err.details && Number(err.details.position)
      const bad = batch.filter((item) => !position || item.position === position)
      if (!bad.length) { // names a question not in this request: odd, try again later
        scheduleRetry()
        return
      }
      bad.forEach((item) => {
        const entry = entries[item.position]
        if (entry && entry.seq === item.seq) {
          entries[item.position] = { ...entry, state: 'failed', rejected: true, message: err.message }
          on.rejected(item.position, err)
        }
      })
      persist()
      emit()
      kick() // the others go on
      return
    }
    offline = !!err.network || !err.status
    batch.forEach((item) => {
      const entry = entries[item.position]
      if (entry && entry.seq === item.seq) entry.state = 'failed'
    })
    persist()
    emit()
    settle(outcome(false, offline ? 'offline' : 'failed'))
    scheduleRetry()
  }

  function scheduleRetry() {
    if (retryTimer !== null || stopped) return
    const wait = backoff[Math.min(retryIndex, backoff.length - 1)]
    retryIndex += 1
    retryTimer = setTimer(() => {
      retryTimer = null
      kick()
    }, wait)
  }

  function cancelRetry() {
    if (retryTimer !== null) clearTimer(retryTimer)
    retryTimer = null
  }

  // --- the page's side ----------------------------------------------------------------------
  /** Record an answer: persisted at once, then sent. Returns the entry. */
  function answer(position, letters) {
    const pos = Number(position)
    const chosen = normalise(letters)
    const current = entries[pos]
    if (current && sameAnswer(current.answer, chosen) && !current.rejected) return current
    lastSeq += 1
    entries[pos] = { answer: chosen, seq: lastSeq, state: 'pending' }
    persist()
    emit()
    kick()
    return entries[pos]
  }

  /** Take the server's saved answers ({position: {chosen, seq}}) after a (re)load. */
  function mergeServer(saved) {
    const server = saved || {}
    Object.keys(server).forEach((pos) => {
      const s = server[pos]
      if (!s || typeof s.seq !== 'number') return
      lastSeq = Math.max(lastSeq, s.seq)
      const e = entries[pos]
      const chosen = Array.isArray(s.chosen) ? s.chosen : []
      if (!e || e.seq <= s.seq) {
        entries[pos] = { answer: chosen, seq: s.seq, state: 'saved' }
      } else if (e.state === 'saved') {
        entries[pos] = { ...e, state: 'pending' } // newer here than there: send it again
      }
    })
    Object.keys(entries).forEach((pos) => {
      if (!server[pos] && entries[pos].state === 'saved') entries[pos] = { ...entries[pos], state: 'pending' }
    })
    persist()
    emit()
    kick()
  }

  /**
   * Send everything now (交卷, the deadline, the network back). Resolves {ok, reason, unsaved}:
   * ok when nothing is left to send; otherwise at the first failure, a pause or the closing.
   */
  function flush(flushOptions = {}) {
    if (closed) return Promise.resolve(outcome(false, 'closed'))
    if (paused) return Promise.resolve(outcome(false, 'face_check'))
    return new Promise((resolve) => {
      let timer = null
      const done = (result) => {
        if (timer !== null) clearTimer(timer)
        resolve(result)
      }
      waiters.push(done)
      if (flushOptions.timeoutMs) {
        timer = setTimer(() => {
          waiters = waiters.filter((w) => w !== done)
          resolve(outcome(false, 'timeout'))
        }, flushOptions.timeoutMs)
      }
      if (!inFlight) {
        cancelRetry()
        retryIndex = 0
        kick()
      }
    })
  }

  /** The network is back: retry at once. */
  function retryNow() {
    if (inFlight || closed) return
    cancelRetry()
    retryIndex = 0
    kick()
  }

  /** The face check the server asked for passed. */
  function resume() {
    paused = null
    emit()
    retryNow()
  }

  function pause(moment) {
    paused = moment || 'mid'
    emit()
  }

  function stop() {
    stopped = true
    cancelRetry()
    settle(outcome(false, 'stopped'))
  }

  /** After the result is shown: nothing of this attempt is needed on the device any more. */
  function clear() {
    stop()
    discard(attemptId, storage)
  }

  load()

  return {
    answer,
    mergeServer,
    flush,
    retryNow,
    resume,
    pause,
    stop,
    clear,
    snapshot,
    stateOf: (position) => (entries[position] ? entries[position].state : null),
    answerOf: (position) => (entries[position] ? entries[position].answer : null),
    entry: (position) => entries[position] || null,
    answers: () => Object.keys(entries).reduce((acc, pos) => ({ ...acc, [pos]: entries[pos].answer }), {}),
    get lastSeq() { return lastSeq },
    get closed() { return !!closed },
    get paused() { return paused },
    kick,
  }
}

/** Forget an attempt's answers on this device (its result is in). */
function discard(attemptId, storage) {
  try {
    (storage || wxStorage()).remove(storageKey(attemptId))
  } catch (e) {
    // nothing to keep
  }
}

module.exports = { createAutosave, discard, storageKey, normalise, classify, BACKOFF_MS, STORAGE_PREFIX }
