require('./render').smoke('pages/practice/index/index', {}, ['人文医学题库练习', '医学伦理12题', '执业类别：临床', '模拟考试记录'])
