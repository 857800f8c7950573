/**
 * Render a real page (its index.js, index.wxml, index.json) with miniprogram-simulate.
 * simulate renders custom components, so `Page(options)` is shimmed into `Component`:
 * `data` stays data, every function becomes a method (onLoad, onShow, handlers), and
 * openPage() plays the page lifecycle (onLoad(query), onShow) by hand.
 *
 * Each page file is loaded once per test file (jest keeps the module registry, so
 * simulate.load cannot re-run the same file); every test renders a fresh instance.
 * One page per test file: the official WXML compiler (wcc, as in WeChat DevTools) leaves
 * global state behind, so a second page compiled in the same file renders the wrong template.
 */
const path = require('path')
const simulate = require('miniprogram-simulate')

const ROOT = path.resolve(__dirname, '../..')
const loaded = {}

global.Page = options => {
  const methods = {}
  Object.keys(options).forEach(key => {
    if (typeof options[key] === 'function') methods[key] = options[key]
  })
  global.Component({ data: JSON.parse(JSON.stringify(options.data || {})), methods })
}

/** Let the fake server's answers and the promise chains behind them run (microtasks only,
 * so it works under jest.useFakeTimers too). */
async function settle(rounds = 50) {
  for (let i = 0; i < rounds; i += 1) {
    // eslint-disable-next-line no-await-in-loop
    await Promise.resolve()
  }
}

async function openPage(route, query = {}, { show = true } = {}) {
  if (!loaded[route]) {
    const other = Object.keys(loaded)[0]
    if (other) throw new Error(`one page per test file: ${other} is loaded here already, put ${route} in its own file`)
    loaded[route] = simulate.load(path.join(ROOT, route))
  }
  const page = simulate.render(loaded[route])
  page.attach(document.createElement('parent-wrapper'))
  if (page.instance.onLoad) await page.instance.onLoad(query)
  if (show && page.instance.onShow) await page.instance.onShow()
  await settle()
  return page
}

/** Text of the first element matching the selector ('' when absent). */
function text(page, selector) {
  const el = page.querySelector(selector)
  return el ? el.dom.textContent.trim() : ''
}

function texts(page, selector) {
  return page.querySelectorAll(selector).map(el => el.dom.textContent.trim())
}

async function tap(page, selector, detail) {
  const el = page.querySelector(selector)
  if (!el) throw new Error(`nothing matches ${selector}`)
  el.dispatchEvent('tap', detail ? { detail } : undefined)
  await settle()
}

async function input(page, selector, value) {
  const el = page.querySelector(selector)
  if (!el) throw new Error(`nothing matches ${selector}`)
  el.dispatchEvent('input', { detail: { value } })
  await settle()
}

module.exports = { openPage, settle, text, texts, tap, input, ROOT }
