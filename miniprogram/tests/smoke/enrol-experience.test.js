require('./render').smoke('pages/enrol/experience/index', {}, ['多机构备案信息', '教育经历信息可直接填最高学历', '执业经历'])
