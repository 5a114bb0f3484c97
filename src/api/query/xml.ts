/**
 * The XML of AWS Query-protocol responses. Values are plain data built by each action's
 * projection, in the member order the service uses; this module only knows how XML spells them:
 *
 *   string / number / boolean → escaped text      undefined → the element is left out
 *   array  → `<Name><member>…</member>…</Name>`, empty → `<Name/>`
 *   object → nested elements in insertion order
 */
export type XmlValue = string | number | boolean | undefined | readonly XmlValue[] | { readonly [name: string]: XmlValue };

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };

/**
 * Escapes text for an element body. `\r` is written as a character reference because an
 * XML parser turns a literal CR LF into LF, and a template's bytes must survive GetTemplate.
 * Characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates) become U+FFFD.
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[&<>"'\r]/g, (c) => ESCAPES[c]!)
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** Appends `<name>value</name>` to `out`; see the module comment for how values map. */
export function writeElement(out: string[], name: string, value: XmlValue): void {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    if (value.length === 0) { out.push(`<${name}/>`); return; }
    out.push(`<${name}>`);
    for (const item of value as readonly XmlValue[]) writeElement(out, 'member', item);
    out.push(`</${name}>`);
    return;
  }
  if (typeof value === 'object') {
    out.push(`<${name}>`);
    for (const [k, v] of Object.entries(value)) writeElement(out, k, v);
    out.push(`</${name}>`);
    return;
  }
  out.push(`<${name}>${escapeXml(String(value))}</${name}>`);
}

/**
 * A success document: `<{Action}Response xmlns=…><{Action}Result>…</{Action}Result>
 * <ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></{Action}Response>`.
 * Actions without an output shape (DeleteStack) have no Result element.
 */
export function responseDocument(action: string, xmlNamespace: string, requestId: string, result: Readonly<Record<string, XmlValue>> | undefined): string {
  const out: string[] = [`<${action}Response xmlns="${escapeXml(xmlNamespace)}">`];
  if (result !== undefined) writeElement(out, `${action}Result`, result);
  out.push(`<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata>`, `</${action}Response>`);
  return out.join('');
}

/** `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`. */
export function errorDocument(xmlNamespace: string, requestId: string, type: 'Sender' | 'Receiver', code: string, message: string): string {
  return `<ErrorResponse xmlns="${escapeXml(xmlNamespace)}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code>`
    + `<Message>${escapeXml(message)}</Message></Error><RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`;
}
