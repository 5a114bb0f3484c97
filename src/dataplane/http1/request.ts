import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { RequestHead } from './head.js';

/** What a request body stream needs of its connection: a call when its reader wants more. */
interface BodySource {
  bodyWanted(): void;
}

/**
 * A request's body as a Readable, made only for requests that have one (most proxied
 * requests do not, and a Readable per request is a measurable cost). The connection
 * pushes decoded bytes; `push` returning false pauses the client socket until `_read`.
 */
export class RequestBody extends Readable {
  constructor(private readonly source: BodySource) {
    super();
  }

  override _read(): void {
    this.source.bodyWanted();
  }
}

/**
 * One request as the engine hands it to the handler: the gateway's DownstreamRequest
 * (gateway/downstream.ts). The head fields are plain properties; the lower-cased header
 * map (`headers`, read by auth's condition keys only) is built on first use.
 */
export class Http1Request {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  readonly rawHeaders: string[];
  private map: IncomingHttpHeaders | undefined;

  constructor(head: RequestHead, readonly socket: Socket, readonly body: RequestBody | undefined) {
    this.method = head.method;
    this.url = head.target;
    this.httpVersion = head.version;
    this.rawHeaders = head.rawHeaders;
  }

  /** The body stream; an ended empty stream for a request without a body. */
  bodyStream(): Readable {
    return this.body ?? Readable.from([]);
  }

  /** node:http's `headers`: lower-case names, repeated values joined (set-cookie: a list). */
  get headers(): IncomingHttpHeaders {
    if (this.map !== undefined) return this.map;
    const map: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
    const raw = this.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      const value = raw[i + 1]!;
      const prev = map[name];
      if (name === 'set-cookie') {
        if (prev === undefined) map[name] = [value];
        else (prev as string[]).push(value);
      } else if (prev === undefined) {
        map[name] = value;
      } else {
        map[name] = `${prev as string}${name === 'cookie' ? '; ' : ', '}${value}`;
      }
    }
    this.map = map as IncomingHttpHeaders;
    return this.map;
  }
}
