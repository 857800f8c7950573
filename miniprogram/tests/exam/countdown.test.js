/**
 * utils/countdown.js: the server's remaining seconds drive the clock; the device clock only
 * measures the time since the last server answer; warnings at 5 and 1 minutes; zero once.
 */
const { createCountdown, formatSeconds, monotonic } = require('../../utils/countdown')

function make(extra = {}) {
  let t = 1000000
  const events = { ticks: [], warns: [], zero: 0, jumps: [] }
  const cd = createCountdown(Object.assign({
    clock: () => t,
    onTick: (s) => events.ticks.push(s),
    onWarn: (w) => events.warns.push(w),
    onZero: () => { events.zero += 1 },
    onJump: (ms) => events.jumps.push(ms),
  }, extra))
  return { cd, events, advance: (ms) => { t += ms }, set: (v) => { t = v } }
}

test('formats minutes and hours', () => {
  expect(formatSeconds(3725)).toBe('1:02:05')
  expect(formatSeconds(125)).toBe('02:05')
  expect(formatSeconds(-3)).toBe('00:00')
})

test('sync takes the server seconds; time passes on the device clock since then', () => {
  const { cd, events, advance } = make()
  cd.sync(600)
  expect(cd.remaining()).toBe(600)
  advance(10500)
  cd.tick()
  expect(cd.remaining()).toBe(589)
  expect(events.ticks).toEqual([600, 589])
})

test('every server answer re-syncs the clock (the server wins over the device)', () => {
  const { cd, advance } = make()
  cd.sync(600)
  advance(60000)
  expect(cd.remaining()).toBe(540)
  cd.sync(500) // the server says less: the device clock ran slow
  expect(cd.remaining()).toBe(500)
  advance(1000)
  cd.sync(560) // and more: it ran fast
  expect(cd.remaining()).toBe(560)
})

test('sentAt makes the estimate err on the short side by the round trip', () => {
  const { cd, advance } = make()
  const sentAt = cd.now()
  advance(3000) // a slow answer
  cd.sync(100, { sentAt })
  expect(cd.remaining()).toBe(97)
})

test('the device clock set back does not give more time, and the countdown goes on', () => {
  const { cd, advance, set } = make()
  cd.sync(300)
  advance(100000)
  expect(cd.remaining()).toBe(200)
  set(0) // the user sets the device clock back by a lot
  expect(cd.remaining()).toBe(200)
  advance(5000)
  expect(cd.remaining()).toBe(195)
})

test('a jump forward while ticking is reported and zero waits for the server', () => {
  const timers = []
  const { cd, events, advance } = make({ setInterval: (fn) => { timers.push(fn); return 1 }, clearInterval: () => {} })
  cd.sync(120)
  cd.start()
  advance(1000)
  timers[0]()
  advance(3600 * 1000) // the device clock set forward an hour
  timers[0]()
  expect(events.jumps).toEqual([3600 * 1000])
  expect(events.zero).toBe(0)
  advance(1000)
  timers[0]()
  expect(events.zero).toBe(0) // still held until the server answers
  cd.sync(118)
  expect(events.zero).toBe(0)
  expect(cd.remaining()).toBe(118)
})

test('warnings at 5 minutes and 1 minute, each once', () => {
  const { cd, events, advance } = make()
  cd.sync(305)
  for (let i = 0; i < 250; i += 1) { advance(1000); cd.tick() }
  expect(events.warns.map((w) => w.key)).toEqual(['five', 'one'])
  expect(events.warns[0].message).toBe('距离考试结束还有5分钟，请抓紧作答')
  expect(events.warns[1].message).toContain('1分钟')
  cd.sync(200) // a re-sync above a threshold does not warn again
  advance(150000); cd.tick()
  expect(events.warns).toHaveLength(2)
})

test('a resume below both thresholds warns once, with the urgent one', () => {
  const { cd, events } = make()
  cd.sync(45)
  expect(events.warns.map((w) => w.key)).toEqual(['one'])
})

test('zero fires once, a grace after the displayed zero (the server rounds down)', () => {
  const { cd, events, advance } = make()
  cd.sync(2)
  advance(2000); cd.tick()
  expect(cd.remaining()).toBe(0)
  expect(events.zero).toBe(0)
  advance(1500); cd.tick()
  expect(events.zero).toBe(1)
  for (let i = 0; i < 5; i += 1) { advance(1000); cd.tick() }
  cd.sync(0)
  cd.sync(0)
  expect(events.zero).toBe(1)
})

test('the server saying 0 fires zero at once', () => {
  const { cd, events } = make()
  cd.sync(0)
  expect(events.zero).toBe(1)
  expect(cd.fired).toBe(true)
})

test('the server giving real time back after zero re-arms it (the device clock ran fast)', () => {
  const { cd, events, advance } = make()
  cd.sync(1)
  advance(3000); cd.tick()
  expect(events.zero).toBe(1)
  cd.sync(30)
  expect(cd.fired).toBe(false)
  advance(31600); cd.tick()
  expect(events.zero).toBe(2)
})

test('start and stop drive the ticks through the injected interval', () => {
  const handles = []
  let cleared = 0
  const { cd, events, advance } = make({
    setInterval: (fn, ms) => { handles.push({ fn, ms }); return handles.length },
    clearInterval: () => { cleared += 1 },
  })
  cd.sync(10)
  cd.start()
  cd.start() // idempotent
  expect(handles).toHaveLength(1)
  expect(handles[0].ms).toBe(1000)
  advance(1000); handles[0].fn()
  expect(events.ticks).toEqual([10, 9])
  cd.stop()
  expect(cleared).toBe(1)
  expect(cd.running).toBe(false)
})

test('monotonic never goes backwards', () => {
  let raw = 100
  const now = monotonic(() => raw)
  expect(now()).toBe(100)
  raw = 50
  expect(now()).toBe(100)
  raw = 60
  expect(now()).toBe(110)
})
