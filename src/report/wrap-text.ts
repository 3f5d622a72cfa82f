/** Plain-text wrapping for the console tables (console.ts and console-analysis.ts share it). */

/** Wrap `text` (no colour codes) to `columns`, continuation lines indented by `indent` spaces. */
export function wrapText(text: string, columns: number | undefined, indent: number): string {
  if (columns === undefined || text.length <= columns) return text;
  const words = text.split(' ');
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    const room = columns - (lines.length === 0 ? 0 : indent);
    if (cur !== '' && cur.length + 1 + w.length > room) {
      lines.push(cur);
      cur = w;
    } else cur = cur === '' ? w : `${cur} ${w}`;
  }
  if (cur !== '') lines.push(cur);
  return lines.map((l, i) => (i === 0 ? l : ' '.repeat(indent) + l)).join('\n');
}
