/**
 * The project as WeChat DevTools opens it, and the layering rules (STYLE habit 12):
 * every page of app.json exists; pages never reach the network but through services/;
 * constants/status.js carries the server's labels; pages do not spell status labels themselves.
 */
const fs = require('fs')
const path = require('path')
const status = require('../constants/status')

const ROOT = path.resolve(__dirname, '..')
const read = file => fs.readFileSync(path.join(ROOT, file), 'utf8')
const json = file => JSON.parse(read(file))

function allPages() {
  const app = json('app.json')
  const pages = app.pages.slice()
  ;(app.subPackages || app.subpackages || []).forEach(pkg => {
    pkg.pages.forEach(p => pages.push(`${pkg.root}/${p}`))
  })
  return pages
}

function filesUnder(dir, ext) {
  const out = []
  const walk = d => fs.readdirSync(path.join(ROOT, d), { withFileTypes: true }).forEach(entry => {
    const rel = `${d}/${entry.name}`
    if (entry.isDirectory()) walk(rel)
    else if (entry.name.endsWith(ext)) out.push(rel)
  })
  walk(dir)
  return out
}

test('project.config.json opens the project as a mini-program at ./', () => {
  const project = json('project.config.json')
  expect(project.miniprogramRoot).toBe('./')
  expect(project.appid).toBe('touristappid')
  expect(project.compileType).toBe('miniprogram')
  expect(project.setting.es6).toBe(true)
  expect(json('sitemap.json').rules.length).toBeGreaterThan(0)
})

test('app.json: login and home in the main package, one subpackage per area', () => {
  const app = json('app.json')
  expect(app.pages).toEqual(['pages/login/index', 'pages/home/index'])
  const roots = app.subPackages.map(p => p.root)
  expect(roots).toEqual(['pages/enrol', 'pages/apply', 'pages/messages', 'pages/results', 'pages/practice', 'pages/exam', 'pages/account'])
  const exam = app.subPackages.find(p => p.root === 'pages/exam')
  expect(exam.pages).toEqual(['info/index', 'list/index', 'consent/index', 'camera/index', 'paper/index'])
})

test.each(allPages())('%s has index.js, .json, .wxml and .wxss', page => {
  ;['js', 'json', 'wxml', 'wxss'].forEach(ext => {
    expect(fs.existsSync(path.join(ROOT, `${page}.${ext}`))).toBe(true)
  })
  expect(() => json(`${page}.json`)).not.toThrow()
})

test('pages reach the server only through services/ (never wx.request or request.js)', () => {
  const offenders = filesUnder('pages', '.js').filter(file => {
    const src = read(file)
    return /wx\.(request|uploadFile|downloadFile)\s*\(/.test(src) || /services\/request['"]/.test(src)
  })
  expect(offenders).toEqual([])
})

test('only services/request.js calls wx.request / wx.uploadFile / wx.downloadFile', () => {
  const files = ['app.js', 'config.js'].concat(filesUnder('services', '.js'), filesUnder('utils', '.js'), filesUnder('constants', '.js'))
  const callers = files.filter(file => /wx\.(request|uploadFile|downloadFile)\s*\(/.test(read(file)))
  expect(callers).toEqual(['services/request.js'])
})

test('constants/status.js carries the labels of server/models/assessment.py', () => {
  const source = path.resolve(ROOT, '../server/models/assessment.py')
  if (!fs.existsSync(source)) return // the mini-program checked out alone
  const python = fs.readFileSync(source, 'utf8')
  const enums = {}
  let current = null
  python.split('\n').forEach(line => {
    const cls = line.match(/^class (\w+)\(LabelledEnum\)/)
    if (cls) {
      current = cls[1]
      enums[current] = {}
      return
    }
    const member = line.match(/^\s+\w+ = \("([^"]+)", "([^"]+)"\)/)
    if (current && member) enums[current][member[1]] = member[2]
    else if (/^\S/.test(line)) current = null
  })
  expect(status.ASSESSMENT_STATUS).toEqual(enums.AssessmentStatus)
  expect(status.MODIFICATION_STATUS).toEqual(enums.ModificationStatus)
  expect(status.EXEMPTION_STATUS).toEqual(enums.ExemptionStatus)
  expect(status.DELAY_STATUS).toEqual(enums.DelayStatus)
  expect(status.PROCEDURE).toEqual(enums.Procedure)
  expect(status.ITEM_RESULT).toEqual(enums.ItemResult)
})

test('every physician move of the state machine has a button, and only those', () => {
  const source = path.resolve(ROOT, '../server/services/assessment_flow.py')
  if (!fs.existsSync(source)) return
  const python = fs.readFileSync(source, 'utf8')
  const physicianMoves = []
  const re = /_t\("(\w+)", "[^"]*", [^,]+, \{([^}]*)\}/g
  let m = re.exec(python)
  while (m) {
    if (/\bPHYSICIAN\b/.test(m[2])) physicianMoves.push(m[1])
    m = re.exec(python)
  }
  expect(physicianMoves.length).toBeGreaterThan(0)
  expect(Object.keys(status.ACTIONS).sort()).toEqual(physicianMoves.sort())
})

test('pages do not spell status labels themselves (constants/status.js does)', () => {
  const labels = [status.ASSESSMENT_STATUS, status.MODIFICATION_STATUS, status.EXEMPTION_STATUS, status.DELAY_STATUS]
    .reduce((all, table) => all.concat(Object.values(table)), [])
    .filter(label => label.length >= 4) // 合格, 无, 未申请 … are ordinary words too
  const files = filesUnder('pages', '.js').concat(filesUnder('pages', '.wxml'))
    .filter(file => !file.startsWith('pages/exam/')) // the exam pages have their own tests
  const found = []
  files.forEach(file => {
    const src = read(file).replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '').replace(/<!--[\s\S]*?-->/g, '')
    labels.forEach(label => {
      if (src.indexOf(label) >= 0) found.push(`${file}: ${label}`)
    })
  })
  expect(found).toEqual([])
})

test('every .wxml and .wxss compiles with the official compilers (wcc / wcsc, as in DevTools)', () => {
  const compiler = require('miniprogram-compiler')
  const wxml = compiler.wxmlToJs(ROOT, { maxBuffer: 64 * 1024 * 1024 })
  expect(wxml).toContain('$gwx')
  const wxss = compiler.wxssToJs(ROOT, { maxBuffer: 64 * 1024 * 1024 })
  expect(wxss).toContain('wxssMap')
})
