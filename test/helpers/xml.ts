/**
 * A small, strict XML reader for tests (no dependency): elements, attributes, text, the five
 * predefined entities and numeric character references. Throws on anything not well-formed
 * (mismatched or unclosed tags, duplicate attributes, bare `&` or `<`).
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

function decode(s: string, at: number): string {
  return s.replace(/&([^;]*);|&/g, (m, ent: string | undefined) => {
    if (ent === undefined) throw new Error(`bare & near offset ${at}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (ent in named) return named[ent] as string;
    const num = /^#(x[0-9a-fA-F]+|\d+)$/.exec(ent);
    if (num === null) throw new Error(`unknown entity &${ent}; near offset ${at}`);
    const code = num[1]?.startsWith('x') ? parseInt(num[1].slice(1), 16) : Number(num[1]);
    return String.fromCodePoint(code);
  });
}

export function parseXml(text: string): XmlElement {
  let i = 0;
  const skipProlog = () => {
    for (;;) {
      while (/\s/.test(text[i] ?? '')) i++;
      if (text.startsWith('<?', i)) i = text.indexOf('?>', i) + 2;
      else if (text.startsWith('<!--', i)) i = text.indexOf('-->', i) + 3;
      else return;
    }
  };
  const NAME = /[A-Za-z_][\w.-]*/y;
  const readName = () => {
    NAME.lastIndex = i;
    const m = NAME.exec(text);
    if (m === null) throw new Error(`expected a name at offset ${i}`);
    i += m[0].length;
    return m[0];
  };
  const element = (): XmlElement => {
    if (text[i] !== '<') throw new Error(`expected < at offset ${i}`);
    i++;
    const el: XmlElement = { name: readName(), attrs: {}, children: [], text: '' };
    for (;;) {
      while (/\s/.test(text[i] ?? '')) i++;
      if (text.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (text[i] === '>') {
        i++;
        break;
      }
      const key = readName();
      if (key in el.attrs) throw new Error(`duplicate attribute ${key} on <${el.name}>`);
      if (text[i] !== '=' || text[i + 1] !== '"') throw new Error(`expected ="…" after ${key} at offset ${i}`);
      const end = text.indexOf('"', i + 2);
      const raw = text.slice(i + 2, end);
      if (raw.includes('<')) throw new Error(`< in attribute ${key}`);
      el.attrs[key] = decode(raw, i);
      i = end + 1;
    }
    for (;;) {
      if (i >= text.length) throw new Error(`<${el.name}> is never closed`);
      if (text.startsWith('</', i)) {
        i += 2;
        const closing = readName();
        if (closing !== el.name) throw new Error(`</${closing}> closes <${el.name}>`);
        while (/\s/.test(text[i] ?? '')) i++;
        if (text[i] !== '>') throw new Error(`expected > at offset ${i}`);
        i++;
        return el;
      }
      if (text.startsWith('<!--', i)) {
        i = text.indexOf('-->', i) + 3;
        continue;
      }
      if (text[i] === '<') {
        el.children.push(element());
        continue;
      }
      const next = text.indexOf('<', i);
      const chunk = text.slice(i, next < 0 ? text.length : next);
      el.text += decode(chunk, i);
      i += chunk.length;
    }
  };
  skipProlog();
  const root = element();
  skipProlog();
  if (i < text.length) throw new Error(`content after the root element at offset ${i}`);
  return root;
}

/** Every direct child named `name`. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}
