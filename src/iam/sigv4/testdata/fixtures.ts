import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { Credential } from '../../contracts.js';

/**
 * What the verifier's tests share: Node's crypto behind the Checksum interface the smithy
 * signers want, a fixed clock, and the two credentials a lookup knows (a user and a session).
 */
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

export const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);

export const user: Credential = {
  accessKeyId: 'AKIAUSEREXAMPLE00001', secretAccessKey: 'user-secret',
  principal: { arn: 'arn:aws:iam::111122223333:user/alice', account: '111122223333', type: 'User', tags: {} },
};

export const session: Credential = {
  accessKeyId: 'ASIASESSIONEXAMPLE01', secretAccessKey: 'session-secret', sessionToken: 'token-abc', expiresAt: T0 + 3600_000,
  principal: { arn: 'arn:aws:sts::111122223333:assumed-role/Role/s', account: '111122223333', type: 'AssumedRole', roleArn: 'arn:aws:iam::111122223333:role/Role', tags: {} },
};

export const lookup = (id: string): Credential | undefined => [user, session].find((c) => c.accessKeyId === id);
