/**
 * 我要报名 (1) 执业信息. 资格证书编号, 执业证书编号 come from 电子化注册 (greyed); 执业类别 and
 * 医师级别 too, but they are pickers the physician may correct; 从事专业 is picked (up to five)
 * from the server's list of the category (view.pickers); 科室 from the institution's departments.
 */
const { stepPage, blankToNull } = require('../step')
const E = require('../../../constants/enrolment')
const format = require('../../../utils/format')

function labelOf(options, value) {
  const found = (options || []).find(o => o.value === value)
  return found ? found.label : ''
}

/** The category's specialties as checkbox rows, the chosen ones ticked. */
function specialtyRows(pickers, category, chosen) {
  const names = ((pickers || {}).specialties || {})[category] || []
  return names.map(name => ({ name, checked: (chosen || []).indexOf(name) >= 0 }))
}

function departmentName(departments, id) {
  const found = (departments || []).find(d => d.id === id)
  return found ? found.name : ''
}

Page(stepPage('practice', {
  data: {
    titles: E.TITLES,
    employments: E.EMPLOYMENTS,
    departments: [],
    departmentName: '',
    today: format.date(new Date()),
    specialtiesMax: E.LIMITS.specialties_max,
    categories: [],
    levels: [],
    categoryLabel: '',
    levelLabel: '',
    specialtyRows: [],
    specialtiesText: '',
  },

  toForm(data) {
    return {
      department_id: data.department_id || null,
      category: data.category || '',
      level: data.level || '',
      specialties: (data.specialties || []).slice(),
      title: data.title || '',
      title_date: data.title_date || '',
      position: data.position || '',
      position_date: data.position_date || '',
      is_resident: data.is_resident === true ? 'yes' : data.is_resident === false ? 'no' : '',
      practice_scope: data.practice_scope || '',
      employment: data.employment || '',
    }
  },

  extra(view, stepView) {
    const departments = view.departments || []
    const pickers = view.pickers || {}
    const data = stepView.data || {}
    const chosen = data.specialties || []
    return {
      departments,
      departmentName: departmentName(departments, data.department_id),
      categories: pickers.category || [],
      levels: pickers.level || [],
      categoryLabel: labelOf(pickers.category, data.category),
      levelLabel: labelOf(pickers.level, data.level),
      specialtyRows: specialtyRows(pickers, data.category, chosen),
      specialtiesText: chosen.join('、'),
    }
  },

  check() {
    const count = (this.data.form.specialties || []).length
    return count > E.LIMITS.specialties_max ? `从事专业最多${E.LIMITS.specialties_max}项` : ''
  },

  toPayload(form) {
    const specialties = form.specialties || []
    const payload = {
      department_id: form.department_id || null,
      category: blankToNull(form.category),
      level: blankToNull(form.level),
      specialties: specialties.length ? specialties : null,
      title: blankToNull(form.title),
      title_date: blankToNull(form.title_date),
      position: blankToNull(form.position),
      position_date: blankToNull(form.position_date),
      is_resident: form.is_resident === 'yes' ? true : form.is_resident === 'no' ? false : null,
      practice_scope: blankToNull(form.practice_scope),
      employment: blankToNull(form.employment),
    }
    if (this.data.mode === 'modification') { // 申请修改: 执业类别 / 医师级别 only while enrolling
      delete payload.category
      delete payload.level
    }
    return payload
  },

  methods: {
    onDepartment(e) {
      const department = this.data.departments[Number(e.detail.value)]
      if (!department) return
      this.setData({ 'form.department_id': department.id, departmentName: department.name })
    },

    /** 执业类别: another category has other specialties, so the ones picked are cleared. */
    onCategory(e) {
      const option = this.data.categories[Number(e.detail.value)]
      if (!option || option.value === this.data.form.category) return
      this.setData({
        'form.category': option.value,
        categoryLabel: option.label,
        'form.specialties': [],
        specialtiesText: '',
        specialtyRows: specialtyRows(this._view && this._view.pickers, option.value, []),
      })
    },

    onLevel(e) {
      const option = this.data.levels[Number(e.detail.value)]
      if (!option) return
      this.setData({ 'form.level': option.value, levelLabel: option.label })
    },

    /** 从事专业: checkboxes over the category's list (at most five). */
    onSpecialties(e) {
      const chosen = e.detail.value || []
      if (chosen.length > E.LIMITS.specialties_max) {
        wx.showToast({ title: `从事专业最多${E.LIMITS.specialties_max}项`, icon: 'none' })
        return
      }
      const rows = this.data.specialtyRows.map(r => ({ name: r.name, checked: chosen.indexOf(r.name) >= 0 }))
      this.setData({ 'form.specialties': chosen, specialtiesText: chosen.join('、'), specialtyRows: rows })
    },
  },
}))
