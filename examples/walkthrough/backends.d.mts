// Types of backends.mjs, for the acceptance tests that import it (the example itself is
// plain JavaScript, runnable with node alone).
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

export interface Address {
  readonly host: string;
  readonly port: number;
}

/** What a backend saw of one request. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
}

export interface Backend {
  readonly kind: 'html' | 'json';
  readonly name: string;
  readonly host: string;
  /** The port it listens on (the chosen one when started with port 0). */
  readonly port: number;
  /** `host:port`. */
  readonly address: string;
  /** The newest 256 requests, oldest first; tests may empty it. */
  readonly requests: SeenRequest[];
  /** Listens again on the same host and port. */
  start(): Promise<Backend>;
  /** Closes the server and its open connections. */
  stop(): Promise<void>;
}

export interface BackendOptions {
  readonly kind: 'html' | 'json';
  readonly host?: string;
  readonly port?: number;
  readonly name?: string;
  readonly onRequest?: (backend: Backend, req: IncomingMessage) => void;
}

export const HTML_DEFAULT: Address;
export const JSON_DEFAULT: Address;
export function startBackend(opts: BackendOptions): Promise<Backend>;
export function startBackends(opts?: {
  readonly html?: Partial<Address>;
  readonly json?: Partial<Address>;
  readonly onRequest?: (backend: Backend, req: IncomingMessage) => void;
}): Promise<{ readonly html: Backend; readonly json: Backend; close(): Promise<void> }>;
export function parseAddress(text: string): Address;
