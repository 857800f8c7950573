/** Dates and times for display (the server sends ISO 8601 in UTC). */
function pad(n) {
  return n < 10 ? `0${n}` : String(n)
}

function parse(value) {
  if (!value) return null
  const d = new Date(value)
  return Number.isNaN(d.getTime()) ? null : d
}

function date(value) {
  const d = parse(value)
  return d ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` : ''
}

function dateTime(value) {
  const d = parse(value)
  return d ? `${date(value)} ${pad(d.getHours())}:${pad(d.getMinutes())}` : ''
}

module.exports = { date, dateTime }
