/**
 * The attempt view the start face check answered with (it carries the questions), handed to the
 * paper page so it does not fetch the whole paper a second time at the exam peak (SPEC §9:
 * thousands start in the same minute). Kept in memory only, taken once, and only while fresh.
 */
const MAX_AGE_MS = 15000
let held = null

function put(attemptId, view, now = Date.now()) {
  held = view && view.paper ? { attemptId: Number(attemptId), view, at: now } : null
}

/** The handed view with its remaining seconds less the time it waited, or null. */
function take(attemptId, now = Date.now()) {
  const h = held
  held = null
  if (!h || h.attemptId !== Number(attemptId)) return null
  const age = now - h.at
  if (age < 0 || age > MAX_AGE_MS) return null
  const remaining = Math.max(0, (h.view.remaining_seconds || 0) - Math.ceil(age / 1000))
  return Object.assign({}, h.view, { remaining_seconds: remaining })
}

module.exports = { put, take, MAX_AGE_MS }
