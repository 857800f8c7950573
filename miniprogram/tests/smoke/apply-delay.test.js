require('./render').smoke('pages/apply/delay/index', {}, ['延期考核：未申请', '申请截止时间', '延期理由', '申请延期考核'])
