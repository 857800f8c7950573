require('./render').smoke('pages/enrol/modification/index', {}, ['已允许修改', '基本信息去修改', '已修改的信息', '基本信息：电子邮件', '提交修改'])
