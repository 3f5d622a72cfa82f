/**
 * AWS IoT policy patterns: `*` matches any run of characters (including `/`), `?` any one
 * character, and policy variables such as `${iot:ClientId}` are replaced by the connection's
 * values, which then match literally. `${*}`, `${?}` and `${$}` are a literal `*`, `?` and `$`.
 * An unknown or unresolved variable makes the pattern match nothing (AWS: the statement does not apply).
 */

type Token = { lit: string } | { star: true } | { one: true } | { variable: string };

/** Values of the policy variables for one connection. */
export type PolicyVariables = Readonly<Record<string, string | undefined>>;

export class PolicyPattern {
  private readonly tokens: Token[];
  /** fast paths: the whole pattern is `*`, or one literal (no wildcard, no variable) */
  private readonly any: boolean;
  private readonly exact: string | undefined;

  constructor(
    readonly source: string,
    private readonly caseInsensitive = false,
  ) {
    this.tokens = tokenize(caseInsensitive ? source.toLowerCase() : source);
    const only = this.tokens.length === 1 ? this.tokens[0]! : undefined;
    this.any = only !== undefined && 'star' in only;
    this.exact = only !== undefined && 'lit' in only ? only.lit : this.tokens.length === 0 ? '' : undefined;
  }

  matches(subject: string, vars: PolicyVariables = {}): boolean {
    if (this.any) return true;
    const s = this.caseInsensitive ? subject.toLowerCase() : subject;
    if (this.exact !== undefined) return this.exact === s;
    return matchTokens(this.tokens, 0, s, 0, vars);
  }
}

/** Token-level wildcard matching; variables are looked up as they are reached (no allocation). */
function matchTokens(tokens: Token[], ti: number, s: string, si: number, vars: PolicyVariables): boolean {
  while (ti < tokens.length) {
    const t = tokens[ti]!;
    if ('star' in t) {
      if (ti === tokens.length - 1) return true;
      const next = tokens[ti + 1]!;
      const text = 'lit' in next ? next.lit : 'variable' in next ? vars[next.variable] : undefined;
      if ('variable' in next && text === undefined) return false;
      if (text === undefined) {
        for (let k = si; k <= s.length; k++) if (matchTokens(tokens, ti + 1, s, k, vars)) return true;
        return false;
      }
      // jump between the places where the next literal occurs
      for (let k = s.indexOf(text, si); k >= 0; k = s.indexOf(text, k + 1)) if (matchTokens(tokens, ti + 1, s, k, vars)) return true;
      return false;
    }
    if ('one' in t) {
      if (si >= s.length) return false;
      si++;
    } else {
      const text = 'lit' in t ? t.lit : vars[t.variable];
      if (text === undefined || !s.startsWith(text, si)) return false;
      si += text.length;
    }
    ti++;
  }
  return si === s.length;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let lit = '';
  const flush = () => {
    if (lit !== '') out.push({ lit });
    lit = '';
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '$' && src[i + 1] === '{') {
      const end = src.indexOf('}', i + 2);
      if (end > 0) {
        const name = src.slice(i + 2, end);
        i = end;
        if (name === '*' || name === '?' || name === '$') lit += name;
        else {
          flush();
          out.push({ variable: name });
        }
        continue;
      }
    }
    if (c === '*') {
      flush();
      out.push({ star: true });
    } else if (c === '?') {
      flush();
      out.push({ one: true });
    } else lit += c;
  }
  flush();
  return out;
}
