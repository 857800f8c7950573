/**
 * Choosing options, shared by 练习 and 模拟考试 (pure): a single-choice or judge question
 * keeps one letter, a multiple-choice question toggles.
 */
function choose(qtype, chosen, letter) {
  const value = qtype && typeof qtype === 'object' ? qtype.value : qtype
  if (value !== 'multiple') return [letter]
  const set = (chosen || []).slice()
  const at = set.indexOf(letter)
  if (at >= 0) set.splice(at, 1)
  else set.push(letter)
  return set.sort()
}

/** Options with their `checked` flags for WXML. */
function marked(options, chosen, answer) {
  return (options || []).map(o => ({
    label: o.label,
    text: o.text,
    checked: (chosen || []).indexOf(o.label) >= 0,
    right: Boolean(answer) && answer.indexOf(o.label) >= 0,
  }))
}

module.exports = { choose, marked }
