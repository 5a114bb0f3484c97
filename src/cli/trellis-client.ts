import { defaultOptions } from './start.js';

/**
 * Talks to a running Trellis's `/_trellis/*` endpoints for the admin commands; a failure
 * becomes one readable line (Trellis unreachable, or the endpoint's message).
 */
export async function call<T>(endpoint: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${endpoint}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  }).catch((err: unknown) => {
    throw new Error(`cannot reach Trellis at ${endpoint} (${err instanceof Error ? err.message : String(err)}); is \`trellis up\` running?`);
  });
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try { message = (JSON.parse(text) as { message?: string }).message ?? text; } catch { /* plain text */ }
    throw new Error(`${res.status} ${message}`);
  }
  return JSON.parse(text) as T;
}

/** The `--endpoint` option every admin command takes. */
export const endpointFlag = ['--endpoint <url>', 'the Trellis API', process.env.TRELLIS_ENDPOINT ?? `http://127.0.0.1:${process.env.TRELLIS_PORT ?? defaultOptions.port}`] as const;
