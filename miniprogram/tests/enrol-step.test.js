/**
 * The five enrolment steps' shared behaviour on 基本信息: registry fields greyed and never sent,
 * 保存 (draft) and 下一步, photo upload with the 1-inch guidance, failures keep what was typed.
 */
const { installWx, toasts } = require('./helpers/wx')
const { openPage, text, texts, tap, input } = require('./helpers/page')
const { enrolmentView } = require('./support/enrolment')

const PAGE = 'pages/enrol/basic/index'
let wx
let server

beforeEach(() => {
  ;({ wx, server } = installWx({ token: 'tok' }))
})

test('read-only registry fields are shown greyed; editable ones are filled in', async () => {
  server.on('GET /enrolment', { status: 200, body: enrolmentView() })
  const page = await openPage(PAGE)
  expect(texts(page, '.readonly .field-label')).toEqual(['姓名', '证件号码', '手机号'])
  expect(text(page, '.ro-id_number .field-value')).toBe('120104198409260428')
  expect(page.querySelector('.ro-name').dom.className).toContain('readonly')
  expect(text(page, '.education')).toBe('本科')
  expect(text(page, '.missing-item')).toBe('待完善：民族、电子邮件')
  expect(texts(page, '.step.active .step-no')).toEqual(['1'])
  const guide = texts(page, '.guide').join('')
  expect(guide).toContain('白底')
  expect(guide).toContain('近期')
  expect(guide).toContain('免冠')
})

test('保存 sends only the editable fields (blanks as null) and shows what is still missing', async () => {
  server.on('GET /enrolment', { status: 200, body: enrolmentView() })
  server.on('PUT /enrolment/basic', req => ({
    status: 200, body: { step: 'basic', data: req.data, missing: [{ step: 'basic', field: 'email', label: '电子邮件' }], complete: false, actions: [] },
  }))
  const page = await openPage(PAGE)
  page.querySelector('.ethnicity-picker').dispatchEvent('change', { detail: { value: '0' } }) // 民族: a picker (GB/T 3304)
  await new Promise(r => setTimeout(r, 0))
  await tap(page, '.save-btn')
  const [put] = server.calls('PUT /enrolment/basic')
  expect(put.data).toEqual({
    gender: '女', ethnicity: '汉族', birth_date: '1984-09-26', id_type: '身份证', education: '本科', email: null,
  })
  expect(Object.keys(put.data)).not.toEqual(expect.arrayContaining(['name', 'id_number', 'phone']))
  expect(toasts(wx)).toEqual(['已保存'])
  expect(text(page, '.missing-item')).toBe('待完善：电子邮件')
  expect(wx.navigateTo).not.toHaveBeenCalled()
})

test('下一步 saves, then opens 执业信息', async () => {
  server.on('GET /enrolment', { status: 200, body: enrolmentView() })
  server.on('PUT /enrolment/basic', { status: 200, body: { missing: [] } })
  const page = await openPage(PAGE)
  await tap(page, '.next-btn')
  expect(server.calls('PUT /enrolment/basic')).toHaveLength(1)
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/enrol/practice/index' })
  expect(toasts(wx)).toEqual([]) // a quiet save
})

test('a refused or failed save keeps what was typed and stays on the step', async () => {
  server.on('GET /enrolment', { status: 200, body: enrolmentView() })
  server.on('PUT /enrolment/basic', { status: 422, body: { code: 'invalid_input', message: '电子邮件格式有误' } })
  const page = await openPage(PAGE)
  await input(page, '.email', 'not-an-email')
  await tap(page, '.next-btn')
  expect(toasts(wx)).toEqual(['电子邮件格式有误'])
  expect(wx.navigateTo).not.toHaveBeenCalled()
  expect(page.data.form.email).toBe('not-an-email')

  server.on('PUT /enrolment/basic', 'network')
  await tap(page, '.save-btn')
  expect(toasts(wx).pop()).toBe('网络连接失败，请检查网络后重试')
  expect(page.data.form.email).toBe('not-an-email')
  expect(page.data.saving).toBe(false)
})

test('after submission the step is read-only: no 保存, 下一步 just moves on', async () => {
  server.on('GET /enrolment', {
    status: 200, body: enrolmentView({ editable: false, status: { value: 'enrol_submitted', label: '待卫生机构审核' } }),
  })
  const page = await openPage(PAGE)
  expect(page.querySelector('.save-btn')).toBeFalsy()
  expect(page.querySelector('.photo-btn')).toBeFalsy()
  expect(text(page, '.view-only')).toBe('当前状态（待卫生机构审核）不能修改报名信息')
  await tap(page, '.next-btn')
  expect(server.calls('PUT /enrolment/basic')).toHaveLength(0)
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/enrol/practice/index' })
})

test('照片上传: the picked photo goes up as multipart; a refusal is shown in Chinese', async () => {
  server.on('GET /enrolment', { status: 200, body: enrolmentView() })
  server.on('POST /enrolment/photo', { status: 201, body: { file_id: 'f1', width: 350, height: 490 } })
  const page = await openPage(PAGE)
  expect(text(page, '.photo-btn')).toBe('上传照片')
  await tap(page, '.photo-btn')
  const [up] = server.calls('POST /enrolment/photo')
  expect(up.filePath).toBe('wxfile://tmp/photo.jpg')
  expect(up.token).toBe('tok')
  expect(page.data.hasPhoto).toBe(true)
  expect(text(page, '.photo-btn')).toBe('重新上传')
  expect(toasts(wx)).toEqual(['照片已上传'])

  server.on('POST /enrolment/photo', { status: 422, body: { code: 'photo_not_portrait', message: '请上传竖版1寸免冠证件照（宽高比约为5:7）' } })
  await tap(page, '.photo-btn')
  expect(toasts(wx).pop()).toBe('请上传竖版1寸免冠证件照（宽高比约为5:7）')
})

test('申请修改 mode: 保存 stores the pending edits of the step', async () => {
  const view = enrolmentView({ mode: 'modification', status: { value: 'enrolled', label: '待卫生机构评定' } })
  view.steps.forEach(s => { s.editable = ['basic', 'practice', 'experience'].indexOf(s.step) >= 0 })
  server.on('GET /enrolment', { status: 200, body: view })
  server.on('PUT /modification', { status: 200, body: { pending_changes: {}, actions: [] } })
  const page = await openPage(PAGE)
  expect(page.querySelector('.next-btn')).toBeFalsy()
  await input(page, '.email', 'a@b.cn')
  await tap(page, '.save-btn')
  const [put] = server.calls('PUT /modification')
  expect(put.data.basic.email).toBe('a@b.cn')
  expect(put.data.basic.name).toBeUndefined()
  expect(server.calls('PUT /enrolment/basic')).toHaveLength(0)
})
