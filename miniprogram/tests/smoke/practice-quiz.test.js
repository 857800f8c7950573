require('./render').smoke('pages/practice/quiz/index', { paper_type: 'humanities', knowledge_point: encodeURIComponent('医学伦理') }, ['医学伦理', '第1/1题', '医师的首要职责是', '提交答案'])
