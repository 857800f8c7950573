/**
 * utils/autosave.js: every answer gets an increasing seq, is kept in storage at once, sent in
 * order, retried on network failure, and nothing is lost — across a simulated app restart too.
 */
const { createAutosave, storageKey, normalise, classify } = require('../../utils/autosave')

function memoryStorage(initial = {}) {
  const data = Object.assign({}, initial)
  return {
    data,
    get: (k) => (data[k] === undefined ? '' : JSON.parse(JSON.stringify(data[k]))),
    set: (k, v) => { data[k] = JSON.parse(JSON.stringify(v)) },
    remove: (k) => { delete data[k] },
  }
}

/** A fake server: it stores answers like attempt_answers.save (seq ordering), or fails on demand. */
function fakeServer() {
  const stored = {}
  const calls = []
  let failure = null // 'network' | {status, code, message, details}
  let holding = null
  const server = {
    stored,
    calls,
    remaining: 1800,
    fail(f) { failure = f },
    hold() { const d = {}; d.promise = new Promise((r) => { d.release = r }); holding = d; return d },
    apply(position, answer, seq) {
      const cur = stored[position]
      if (!cur || cur.seq < seq) {
        stored[position] = { answer, seq }
        return { position, applied: true, seq, chosen: answer }
      }
      return { position, applied: false, seq: cur.seq, chosen: cur.answer }
    },
    async answer(kind, payload) {
      calls.push({ kind, payload: JSON.parse(JSON.stringify(payload)) })
      if (holding) { const h = holding; holding = null; await h.promise }
      const bad = server.validate && [].concat(payload).find((i) => i.answer.some((x) => 'ABCD'.indexOf(x) < 0))
      if (bad) {
        const message = `第${bad.position}题的选项只能是A、B、C、D（不可重复）`
        throw { status: 422, code: 'invalid_option', message, details: { position: bad.position } }
      }
      if (failure === 'network') throw { code: 'network_error', message: '网络连接失败，请检查网络后重试', status: 0, network: true }
      if (failure) throw failure
      return null
    },
  }
  server.api = {
    saveOne: async (position, answer, seq) => {
      await server.answer('one', { position, answer, seq })
      return Object.assign({ saved: true, remaining_seconds: server.remaining }, server.apply(position, answer, seq))
    },
    saveMany: async (items) => {
      await server.answer('many', items)
      return { saved: true, remaining_seconds: server.remaining, results: items.map((i) => server.apply(i.position, i.answer, i.seq)) }
    },
  }
  return server
}

function timers() {
  const pending = []
  return {
    pending,
    setTimeout: (fn, ms) => { const h = { fn, ms }; pending.push(h); return h },
    clearTimeout: (h) => { const i = pending.indexOf(h); if (i >= 0) pending.splice(i, 1) },
    runNext() { const h = pending.shift(); if (h) h.fn(); return h },
  }
}

const flush = async () => { for (let i = 0; i < 20; i += 1) await Promise.resolve() }

function make({ server = fakeServer(), storage = memoryStorage(), t = timers(), attemptId = 7, ...rest } = {}) {
  const events = { changes: [], closed: [], face: [], synced: [], rejected: [], auth: [] }
  const q = createAutosave(Object.assign({
    attemptId,
    api: server.api,
    storage,
    setTimeout: t.setTimeout,
    clearTimeout: t.clearTimeout,
    onChange: (s) => events.changes.push(s),
    onClosed: (e) => events.closed.push(e),
    onFaceCheck: (m) => events.face.push(m),
    onSynced: (r) => events.synced.push(r),
    onRejected: (p, e) => events.rejected.push([p, e]),
    onAuthLost: (e) => events.auth.push(e),
  }, rest))
  return { q, server, storage, t, events }
}

test('normalise sorts and dedups letters; classify reads the server codes', () => {
  expect(normalise(['c', 'A', 'a'])).toEqual(['A', 'C'])
  expect(classify({ status: 409, code: 'attempt_closed' })).toBe('closed')
  expect(classify({ status: 409, code: 'face_check_required' })).toBe('face')
  expect(classify({ status: 422, code: 'invalid_option' })).toBe('rejected')
  expect(classify({ status: 0, network: true })).toBe('retry')
  expect(classify({ status: 401, authLost: true })).toBe('auth')
})

test('an answer is persisted before it is sent, with an increasing seq', async () => {
  const { q, server, storage } = make()
  server.hold()
  q.answer(1, ['B'])
  const kept = storage.data[storageKey(7)]
  expect(kept.entries['1']).toMatchObject({ answer: ['B'], seq: 1, state: 'pending' })
  expect(q.stateOf(1)).toBe('pending')
  q.answer(2, ['A'])
  expect(storage.data[storageKey(7)].entries['2'].seq).toBe(2)
})

test('answers are sent in order, one request at a time; the latest of a question wins', async () => {
  const { q, server, events } = make()
  const held = server.hold()
  q.answer(1, ['A']) // in flight
  q.answer(2, ['C'])
  q.answer(1, ['B']) // replaces the unsent... and the one in flight
  q.answer(3, ['D'])
  expect(server.calls).toHaveLength(1)
  held.release()
  await flush()
  // then one batch with the rest, oldest seq first
  expect(server.calls[1].kind).toBe('many')
  expect(server.calls[1].payload.map((i) => [i.position, i.seq])).toEqual([[2, 2], [1, 3], [3, 4]])
  expect(server.stored).toEqual({ 1: { answer: ['B'], seq: 3 }, 2: { answer: ['C'], seq: 2 }, 3: { answer: ['D'], seq: 4 } })
  expect([q.stateOf(1), q.stateOf(2), q.stateOf(3)]).toEqual(['saved', 'saved', 'saved'])
  expect(events.synced).toEqual([1800, 1800])
})

test('a network drop marks the answer failed, retries with backoff, then saved', async () => {
  const { q, server, t, events } = make()
  server.fail('network')
  q.answer(5, ['A'])
  await flush()
  expect(q.stateOf(5)).toBe('failed')
  expect(q.snapshot().offline).toBe(true)
  expect(t.pending.map((h) => h.ms)).toEqual([1000])
  t.runNext()
  await flush()
  expect(t.pending.map((h) => h.ms)).toEqual([2000]) // backoff grows
  server.fail(null)
  t.runNext()
  await flush()
  expect(q.stateOf(5)).toBe('saved')
  expect(q.snapshot().offline).toBe(false)
  expect(server.stored[5]).toEqual({ answer: ['A'], seq: 1 })
  expect(events.changes.some((c) => c.failed === 1)).toBe(true)
})

test('retryNow (network back) sends at once instead of waiting for the backoff', async () => {
  const { q, server, t } = make()
  server.fail('network')
  q.answer(1, ['A'])
  await flush()
  server.fail(null)
  q.retryNow()
  await flush()
  expect(q.stateOf(1)).toBe('saved')
  expect(t.pending).toHaveLength(0)
})

test('persistence across a simulated restart: unsent answers are sent after the reload', async () => {
  const storage = memoryStorage()
  const server = fakeServer()
  const first = make({ storage, server })
  server.fail('network')
  first.q.answer(1, ['A'])
  first.q.answer(2, ['B', 'C'])
  await flush()
  first.q.stop() // the app is killed

  server.fail(null)
  const second = make({ storage, server })
  expect(second.q.stateOf(1)).toBe('pending')
  expect(second.q.answerOf(2)).toEqual(['B', 'C'])
  second.q.mergeServer({}) // GET /attempts/7 → nothing saved there yet
  await flush()
  expect(server.stored).toEqual({ 1: { answer: ['A'], seq: 1 }, 2: { answer: ['B', 'C'], seq: 2 } })
  expect(second.q.snapshot().unsaved).toBe(0)
  second.q.answer(3, ['D'])
  await flush()
  expect(server.stored[3].seq).toBe(3) // the counter went on
})

test('a device change: the counter moves above the server seqs so new answers apply', async () => {
  const { q, server } = make()
  server.stored[4] = { answer: ['A'], seq: 40 }
  q.mergeServer({ 4: { chosen: ['A'], seq: 40 } })
  expect(q.stateOf(4)).toBe('saved')
  q.answer(4, ['C'])
  await flush()
  expect(server.stored[4]).toEqual({ answer: ['C'], seq: 41 })
  expect(q.stateOf(4)).toBe('saved')
})

test('a stale seq (the server holds a newer answer) adopts the server answer', async () => {
  const { q, server } = make()
  server.stored[2] = { answer: ['D'], seq: 9 } // from another device, unknown here
  q.answer(2, ['A'])
  await flush()
  expect(q.answerOf(2)).toEqual(['D'])
  expect(q.stateOf(2)).toBe('saved')
  q.answer(2, ['B'])
  await flush()
  expect(server.stored[2]).toEqual({ answer: ['B'], seq: 10 })
})

test('a replay of an answer already stored (lost response) is saved, not resent forever', async () => {
  const { q, server } = make()
  server.stored[1] = { answer: ['A'], seq: 1 }
  q.answer(1, ['A'])
  await flush()
  expect(q.stateOf(1)).toBe('saved')
  expect(server.calls).toHaveLength(1)
})

test('merge keeps local answers newer than the server and takes newer server ones', async () => {
  const storage = memoryStorage({
    [storageKey(7)]: {
      v: 1, attemptId: 7, lastSeq: 6,
      entries: { 1: { answer: ['B'], seq: 6, state: 'pending' }, 2: { answer: ['A'], seq: 2, state: 'saved' } },
    },
  })
  const { q, server } = make({ storage })
  server.hold()
  q.mergeServer({ 1: { chosen: ['A'], seq: 3 }, 2: { chosen: ['C'], seq: 5 } })
  expect(q.answerOf(1)).toEqual(['B'])
  expect(q.stateOf(1)).toBe('pending')
  expect(q.answerOf(2)).toEqual(['C'])
  expect(q.stateOf(2)).toBe('saved')
  expect(server.calls[0].payload).toEqual({ position: 1, answer: ['B'], seq: 6 })
})

test('409 attempt_closed stops the queue and tells the page; answers stay on the device', async () => {
  const { q, server, events, t } = make()
  server.fail({ status: 409, code: 'attempt_closed', message: '考试时间已到，已按已保存的答案自动交卷' })
  q.answer(1, ['A'])
  await flush()
  expect(events.closed).toHaveLength(1)
  expect(events.closed[0].message).toBe('考试时间已到，已按已保存的答案自动交卷')
  expect(q.closed).toBe(true)
  q.answer(2, ['B'])
  await flush()
  expect(server.calls).toHaveLength(1) // nothing more is sent
  expect(t.pending).toHaveLength(0)
  await expect(q.flush()).resolves.toMatchObject({ ok: false, reason: 'closed' })
})

test('409 face_check_required pauses the queue until the mid check passes, then resumes', async () => {
  const { q, server, events } = make()
  server.fail({ status: 409, code: 'face_check_required', message: '请先完成考中核验（人脸识别）后再继续', details: { moment: 'mid' } })
  q.answer(1, ['A'])
  await flush()
  expect(events.face).toEqual(['mid'])
  expect(q.paused).toBe('mid')
  q.answer(2, ['B']) // kept, not sent while paused
  await flush()
  expect(server.calls).toHaveLength(1)
  expect(q.stateOf(2)).toBe('pending')
  server.fail(null)
  q.resume()
  await flush()
  expect(server.stored).toEqual({ 1: { answer: ['A'], seq: 1 }, 2: { answer: ['B'], seq: 2 } })
  expect(q.snapshot().paused).toBe(null)
})

test('a 422 marks only that answer failed (not retried) and the others go on', async () => {
  const { q, server, events, t } = make()
  server.validate = true // like clean_answer: only A-D
  const held = server.hold()
  q.answer(1, ['A']) // in flight
  q.answer(2, ['Z'])
  q.answer(3, ['B'])
  held.release()
  await flush()
  expect(q.stateOf(1)).toBe('saved')
  expect(q.stateOf(2)).toBe('failed')
  expect(q.entry(2).rejected).toBe(true)
  expect(events.rejected.map(([p, e]) => [p, e.code])).toEqual([[2, 'invalid_option']])
  expect(q.stateOf(3)).toBe('saved')
  expect(t.pending).toHaveLength(0) // not retried
  q.answer(2, ['C']) // the physician picks again: sent
  await flush()
  expect(server.stored[2].answer).toEqual(['C'])
})

test('flush resolves ok when all is saved, and reports what is left on a failure', async () => {
  const { q, server } = make()
  server.fail('network')
  q.answer(1, ['A'])
  q.answer(2, ['B'])
  await flush()
  await expect(q.flush()).resolves.toMatchObject({ ok: false, reason: 'offline', unsaved: 2 })
  server.fail(null)
  await expect(q.flush()).resolves.toMatchObject({ ok: true, unsaved: 0 })
})

test('flush with a timeout gives up waiting on a slow server', async () => {
  const { q, server, t } = make()
  server.hold()
  q.answer(1, ['A'])
  const result = q.flush({ timeoutMs: 5000 })
  t.runNext()
  await expect(result).resolves.toMatchObject({ ok: false, reason: 'timeout' })
})

test('a lost login (request.js could not log in again) keeps the answers and stops', async () => {
  const { q, server, events, storage } = make()
  server.fail({ status: 401, code: 'unauthorized', message: '登录已失效，请重新登录', authLost: true })
  q.answer(1, ['A'])
  await flush()
  expect(events.auth).toHaveLength(1)
  expect(storage.data[storageKey(7)].entries['1'].answer).toEqual(['A'])
  expect(q.stateOf(1)).toBe('failed')
})

test('no answer lost: random network drops over many answers, everything ends saved', async () => {
  const { q, server, t } = make()
  const expected = {}
  let seed = 3
  const rnd = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
  for (let i = 0; i < 60; i += 1) {
    const pos = 1 + Math.floor(rnd() * 10)
    const letter = 'ABCD'[Math.floor(rnd() * 4)]
    expected[pos] = [letter]
    server.fail(rnd() < 0.4 ? 'network' : null)
    q.answer(pos, [letter])
    await flush()
    if (rnd() < 0.3) { t.runNext(); await flush() }
  }
  server.fail(null)
  while (t.pending.length) { t.runNext(); await flush() }
  await q.flush()
  Object.keys(expected).forEach((pos) => expect(server.stored[pos].answer).toEqual(expected[pos]))
  expect(q.snapshot().unsaved).toBe(0)
})

test('clear forgets the attempt on the device', () => {
  const { q, storage } = make()
  q.answer(1, ['A'])
  q.clear()
  expect(storage.data[storageKey(7)]).toBeUndefined()
})
