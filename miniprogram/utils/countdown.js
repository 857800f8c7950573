/**
 * The exam countdown, driven by the server's clock (SPEC §5: "the server owns the clock").
 *
 * - Every server response carries `remaining_seconds`; `sync(seconds)` takes it with the local
 *   clock's reading at receipt (or at sending, `{sentAt}`, which errs on the short side). Between
 *   two syncs the local clock only measures the short time elapsed since the last sync; the
 *   device's wall-clock time is never compared with the server's.
 * - The local clock is made monotonic: a reading earlier than the previous one (the user set the
 *   device clock back) counts as no time passing. A jump forward larger than `jumpMs` between two
 *   ticks while ticking (the device clock set forward, or the app frozen in the background) is
 *   reported through `onJump` so the page can ask the server again.
 * - Warnings at 5 minutes and 1 minute, each once (a resume below a threshold warns once, with
 *   the most urgent one).
 * - At zero (plus a small grace, so the server's deadline has surely passed — it rounds its
 *   seconds down) `onZero` fires once; a later sync from the server with real time left (the
 *   device clock ran fast) re-arms it.
 *
 * Pure: no wx, no timers unless `start()` is called (timers injectable for tests).
 */

const WARNINGS = [
  { key: 'five', seconds: 300, message: '距离考试结束还有5分钟，请抓紧作答' },
  { key: 'one', seconds: 60, message: '距离考试结束还有1分钟，时间到将按已保存的答案自动交卷' },
]
const ZERO_GRACE_MS = 1500
const REARM_SECONDS = 3

/** A clock that never goes backwards (readings in ms). */
function monotonic(raw) {
  let last = null
  let offset = 0
  return function now() {
    const value = raw() + offset
    if (last !== null && value < last) {
      offset += last - value
      return last
    }
    last = value
    return value
  }
}

function pad(n) {
  return n < 10 ? `0${n}` : String(n)
}

/** 3725 → "1:02:05", 125 → "02:05". */
function formatSeconds(total) {
  const s = Math.max(0, Math.floor(total || 0))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = s % 60
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${pad(m)}:${pad(sec)}`
}

function createCountdown(options = {}) {
  const now = monotonic(options.clock || (() => Date.now()))
  const interval = options.interval || 1000
  const jumpMs = options.jumpMs || 5000
  const graceMs = options.graceMs === undefined ? ZERO_GRACE_MS : options.graceMs
  const timers = {
    setInterval: options.setInterval || ((fn, ms) => setInterval(fn, ms)),
    clearInterval: options.clearInterval || ((h) => clearInterval(h)),
  }
  const on = {
    tick: options.onTick || (() => {}),
    warn: options.onWarn || (() => {}),
    zero: options.onZero || (() => {}),
    jump: options.onJump || (() => {}),
  }

  let baseMs = null // remaining ms at `baseAt`
  let baseAt = 0
  let warned = {}
  let zeroFired = false
  let timer = null
  let lastTickAt = null
  let lastShown = null
  let heldForSync = false // a jump was seen: zero waits for the server's next answer

  function remainingMs(at = now()) {
    if (baseMs === null) return null
    return baseMs - Math.max(0, at - baseAt)
  }

  /** Whole seconds left, rounded down (never shows more than the server has). */
  function remaining(at) {
    const ms = remainingMs(at)
    return ms === null ? null : Math.max(0, Math.floor(ms / 1000))
  }

  function checkWarnings(seconds) {
    if (seconds <= 0) return
    const due = WARNINGS.filter((w) => seconds <= w.seconds && !warned[w.key])
    if (!due.length) return
    due.forEach((w) => { warned[w.key] = true })
    const urgent = due[due.length - 1]
    on.warn({ key: urgent.key, seconds, message: urgent.message })
  }

  function evaluate(at = now()) {
    const ms = remainingMs(at)
    if (ms === null) return
    const seconds = Math.max(0, Math.floor(ms / 1000))
    if (seconds !== lastShown) {
      lastShown = seconds
      on.tick(seconds, formatSeconds(seconds))
    }
    checkWarnings(seconds)
    // The server saying 0 is final; our own extrapolation waits a grace past zero.
    if (!zeroFired && !heldForSync && (baseMs === 0 || ms <= -graceMs)) {
      zeroFired = true
      on.zero()
    }
  }

  /**
   * Take the server's remaining seconds. `sentAt` (a reading of the same clock taken when the
   * request left) makes the estimate err on the short side by the round trip.
   */
  function sync(seconds, syncOptions = {}) {
    if (typeof seconds !== 'number' || !isFinite(seconds)) return
    const at = now()
    const from = typeof syncOptions.sentAt === 'number' && syncOptions.sentAt <= at ? syncOptions.sentAt : at
    baseMs = Math.max(0, seconds) * 1000
    baseAt = from
    heldForSync = false
    if (zeroFired && seconds >= REARM_SECONDS) zeroFired = false
    evaluate(at)
  }

  function tick() {
    const at = now()
    const gap = lastTickAt === null ? 0 : at - lastTickAt
    const jumped = timer !== null && gap > jumpMs
    lastTickAt = at
    // After a jump the page asks the server; zero waits for that answer (a sync fires it).
    if (jumped) heldForSync = true
    evaluate(at)
    if (jumped) on.jump(gap)
  }

  function start() {
    if (timer !== null) return
    lastTickAt = now()
    timer = timers.setInterval(tick, interval)
  }

  function stop() {
    if (timer !== null) timers.clearInterval(timer)
    timer = null
    lastTickAt = null
  }

  return {
    sync,
    tick,
    start,
    stop,
    remaining,
    now,
    get running() { return timer !== null },
    get fired() { return zeroFired },
    get synced() { return baseMs !== null },
  }
}

module.exports = { createCountdown, formatSeconds, monotonic, WARNINGS, ZERO_GRACE_MS }
