/**
 * 我要报名 (1) 执业信息. 资格证书编号, 执业证书编号, 执业类别, 医师级别 come from 电子化注册
 * (greyed); 科室 from the institution's departments.
 */
const { stepPage, blankToNull } = require('../step')
const E = require('../../../constants/enrolment')
const format = require('../../../utils/format')

function splitSpecialties(text) {
  return (text || '').split(/[、,，;；\s]+/).map(s => s.trim()).filter(Boolean)
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
  },

  toForm(data) {
    return {
      department_id: data.department_id || null,
      specialties: (data.specialties || []).join('、'),
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
    return { departments, departmentName: departmentName(departments, (stepView.data || {}).department_id) }
  },

  check() {
    const count = splitSpecialties(this.data.form.specialties).length
    return count > E.LIMITS.specialties_max ? `从事专业最多${E.LIMITS.specialties_max}项` : ''
  },

  toPayload(form) {
    const specialties = splitSpecialties(form.specialties)
    return {
      department_id: form.department_id || null,
      specialties: specialties.length ? specialties : null,
      title: blankToNull(form.title),
      title_date: blankToNull(form.title_date),
      position: blankToNull(form.position),
      position_date: blankToNull(form.position_date),
      is_resident: form.is_resident === 'yes' ? true : form.is_resident === 'no' ? false : null,
      practice_scope: blankToNull(form.practice_scope),
      employment: blankToNull(form.employment),
    }
  },

  methods: {
    onDepartment(e) {
      const department = this.data.departments[Number(e.detail.value)]
      if (!department) return
      this.setData({ 'form.department_id': department.id, departmentName: department.name })
    },
  },
}))
