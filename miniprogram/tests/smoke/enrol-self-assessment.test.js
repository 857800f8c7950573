require('./render').smoke('pages/enrol/self-assessment/index', {}, ['工作成绩自评', '2/1000', '业务水平自评', '0/1000'])
