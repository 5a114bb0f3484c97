import { parsePolicyValue, type PolicyDocument } from '../../model/index.js';
import { malformedPolicy } from './errors.js';

/**
 * A policy document as IAM receives it: JSON text (some clients send it percent-encoded once
 * more, as IAM itself returns documents). Parsed and checked with the shared grammar —
 * `identity` for permissions policies, `resource` for trust policies (which must name a
 * principal) — and kept as the JSON value the caller wrote, as CloudFormation keeps it.
 */
export function readPolicyText(text: string, kind: 'identity' | 'resource'): { readonly value: unknown; readonly document: PolicyDocument } {
  const value = parseJsonText(text);
  const parsed = parsePolicyValue(kind === 'resource' ? asTrust(value) : value, { kind });
  if (!parsed.ok) throw malformedPolicy(parsed.message);
  return { value, document: parsed.document };
}

function parseJsonText(text: string): unknown {
  const trimmed = text.trim();
  const candidates = /^%7B/i.test(trimmed) ? [safeDecode(trimmed), trimmed] : [trimmed];
  for (const c of candidates) {
    if (c === undefined) continue;
    try {
      return JSON.parse(c) as unknown;
    } catch {
      // try the next spelling
    }
  }
  throw malformedPolicy('This policy contains invalid Json');
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** A stored document parsed again (stored ones were valid when written; a bad one applies nothing). */
export function storedPolicy(value: unknown, kind: 'identity' | 'resource'): PolicyDocument | undefined {
  const parsed = parsePolicyValue(kind === 'resource' ? asTrust(value) : value, { kind });
  return parsed.ok ? parsed.document : undefined;
}

/**
 * A trust policy is a resource policy of the role itself, so its statements leave Resource
 * out (IAM's own examples do); the shared grammar wants one, so a statement without either
 * Resource or NotResource reads as `"Resource": "*"` — the role — when parsed. The stored
 * value stays as the caller wrote it.
 */
function asTrust(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const doc = value as Readonly<Record<string, unknown>>;
  const fill = (s: unknown): unknown => {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return s;
    const st = s as Readonly<Record<string, unknown>>;
    return st.Resource === undefined && st.NotResource === undefined ? { ...st, Resource: '*' } : st;
  };
  const statement = doc.Statement;
  return { ...doc, Statement: Array.isArray(statement) ? statement.map(fill) : fill(statement) };
}

/** IAM answers documents URL-encoded (RFC 3986), which the CLI decodes and SDK users decode themselves. */
export function encodePolicy(value: unknown): string {
  return encodeURIComponent(JSON.stringify(value));
}
