import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { TemplateError, type TemplateValue } from '../contracts.js';
import { longForm } from './intrinsic.js';
import { pathKey, type LineMap, type TemplatePath } from './paths.js';

/** A template's text as data, with the line every key and list item came from. */
export interface LoadedText {
  readonly value: TemplateValue;
  readonly lines: LineMap;
}

/**
 * Reads JSON or YAML. Both go through the YAML parser (JSON is YAML's flow style), so both
 * get line numbers; a JSON text the YAML parser rejects (tabs, duplicate keys) falls back to
 * JSON.parse without lines. The YAML 1.2 core schema is used, which is what keeps
 * `AWSTemplateFormatVersion: 2010-09-09` a string (YAML 1.1 would make it a date) and `yes` a
 * string, as CloudFormation reads them.
 */
export function loadText(text: string, fileName?: string): LoadedText {
  const looksJson = text.trimStart().startsWith('{');
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, schema: 'core', uniqueKeys: true });
  const firstError = doc.errors[0];
  if (firstError) {
    if (looksJson) return { value: parseJson(text, fileName), lines: new Map() };
    const at = counter.linePos(firstError.pos[0]);
    throw new TemplateError(`Template format error: YAML not well-formed. (line ${at.line}, column ${at.col}) ${firstError.message.split('\n')[0]}`, [], at.line);
  }
  const lines = new Map<string, number>();
  const value = toValue(doc, doc.contents, [], lines, counter);
  return { value, lines };
}

function parseJson(text: string, fileName?: string): TemplateValue {
  try {
    return asTemplateValue(JSON.parse(text) as unknown);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new TemplateError(`Template format error: JSON not well-formed.${fileName ? ` (${fileName})` : ''} ${reason}`);
  }
}

/** JSON.parse's result narrowed to template data (it can only be JSON, but it is typed unknown). */
function asTemplateValue(v: unknown): TemplateValue {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(asTemplateValue);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asTemplateValue(x)]));
  throw new TemplateError(`Template format error: unexpected ${typeof v} value`);
}

function toValue(doc: Document, node: unknown, path: TemplatePath, lines: Map<string, number>, counter: LineCounter): TemplateValue {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return toValue(doc, node.resolve(doc), path, lines, counter);
  const lineOfNode = (n: Node) => (n.range ? counter.linePos(n.range[0]).line : undefined);
  let value: TemplateValue;
  if (isScalar(node)) {
    value = scalar(node.value);
  } else if (isMap(node)) {
    const out: Record<string, TemplateValue> = {};
    for (const pair of node.items) {
      const keyNode = pair.key;
      const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const childPath = [...path, key];
      const keyLine = isScalar(keyNode) ? lineOfNode(keyNode) : undefined;
      if (keyLine !== undefined) lines.set(pathKey(childPath), keyLine);
      out[key] = toValue(doc, pair.value, childPath, lines, counter);
    }
    value = out;
  } else if (isSeq(node)) {
    value = node.items.map((item, i) => {
      const childPath = [...path, i];
      const line = item && typeof item === 'object' && 'range' in item ? lineOfNode(item as Node) : undefined;
      if (line !== undefined) lines.set(pathKey(childPath), line);
      return toValue(doc, item, childPath, lines, counter);
    });
  } else {
    throw new TemplateError('Template format error: unsupported YAML node', path);
  }
  const tag = (node as Node).tag;
  if (tag && tag.startsWith('!') && !tag.startsWith('!!')) {
    const long = longForm(tag, value);
    if (typeof long === 'string') {
      throw new TemplateError(`Template format error: ${long}`, path, lineOfNode(node as Node));
    }
    return long;
  }
  return value;
}

function scalar(v: unknown): TemplateValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return String(v);
}
