import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/** Node's crypto behind the Checksum interface @smithy/signature-v4 wants (its `sha256` option). */
export class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) { this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret)); }
  update(data: string | ArrayBuffer | ArrayBufferView): void { this.h.update(bytes(data)); }
  async digest(): Promise<Uint8Array> { return new Uint8Array(this.h.digest()); }
  reset(): void { /* one use per instance */ }
}

function bytes(d: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof d === 'string') return d;
  return d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** Credentials to sign with. */
export interface Keys { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string }
