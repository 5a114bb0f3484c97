import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError, validationError } from '../model/index.js';

/** Larger than any request the model allows (an auth policy is at most 36,864 characters). */
export const MAX_BODY_BYTES = 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        if (!failed) reject(validationError(`The request body exceeds ${limit} bytes.`, 'other'));
        failed = true;
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => { if (!failed) resolve(Buffer.concat(chunks)); });
    req.on('error', (e) => { if (!failed) reject(e); failed = true; });
  });
}

export function sendJson(res: ServerResponse, requestId: string, status: number, body: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'x-amzn-RequestId': requestId,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** An AWS-shaped error: status, `x-amzn-ErrorType` and the shape's JSON body. */
export function sendError(res: ServerResponse, requestId: string, err: AwsError): void {
  const text = JSON.stringify(err.body());
  const headers: Record<string, string | number> = {
    'x-amzn-RequestId': requestId,
    'x-amzn-ErrorType': err.type,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  };
  if (err.retryAfterSeconds !== undefined) headers['Retry-After'] = err.retryAfterSeconds;
  res.writeHead(err.status, headers);
  res.end(text);
}
