/**
 * One line of PostgreSQL's COPY text format: tab-separated, `\N` for null, with backslash, tab,
 * newline and carriage return escaped.
 */
export function copyText(values: readonly (string | number | null)[]): string {
  return values
    .map((v) => {
      if (v === null) return '\\N'
      if (typeof v === 'number') return String(v)
      return v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'))
    })
    .join('\t')
}
