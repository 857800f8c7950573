require('./render').smoke('pages/enrol/practice/index', {}, ['外科', '资格证书编号Q1', '执业类别临床', '医师级别执业医师', '普通外科专业'])
