require('./render').smoke('pages/results/progress/index', {}, ['当前进度：待卫生机构评定', '评定结果合格', '考核进度·提交信息→待卫生机构审核'])
