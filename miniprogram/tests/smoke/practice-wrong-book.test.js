require('./render').smoke('pages/practice/wrong-book/index', {}, ['答错2次', '正确答案：A', '解析：医师应当救死扶伤', '移出错题本'])
