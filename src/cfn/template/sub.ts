/**
 * `Fn::Sub` strings: `${Name}`, `${Resource.Attribute}` and `${!Literal}` (which is the text
 * `${Literal}`). Parsed once here for evaluation, dependencies and validation alike.
 */
export type SubPart = { readonly literal: string } | { readonly variable: string };

export function parseSub(text: string): SubPart[] {
  const parts: SubPart[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf('${', i);
    if (start < 0) break;
    const end = text.indexOf('}', start + 2);
    if (end < 0) break; // an unclosed `${` is plain text
    literal += text.slice(i, start);
    const inner = text.slice(start + 2, end);
    if (inner.startsWith('!')) {
      literal += `\${${inner.slice(1)}}`;
    } else {
      if (literal) parts.push({ literal });
      literal = '';
      parts.push({ variable: inner.trim() });
    }
    i = end + 1;
  }
  literal += text.slice(i);
  if (literal) parts.push({ literal });
  return parts;
}

/** The variables a Sub string names, in order. */
export function subVariables(text: string): string[] {
  return parseSub(text).flatMap((p) => ('variable' in p ? [p.variable] : []));
}
