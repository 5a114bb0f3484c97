import { X509Certificate, generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/**
 * Certificates made by the tests: "another CA" (not Trellis's local one) and leaves it
 * signs, as a user would bring from their own PKI. node:crypto makes the keys, node-forge
 * signs the X.509 structures (Node cannot).
 */

export interface TestCa {
  readonly certPem: string;
  readonly keyPem: string;
  readonly name: string;
}

export interface TestLeaf {
  readonly certPem: string;
  readonly keyPem: string;
  /** SHA-256 fingerprint as node:tls's `fingerprint256` prints it. */
  readonly fingerprint256: string;
  /** The serial as node:crypto prints it (upper-case hex). */
  readonly serial: string;
}

function rsa(bits: number): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', { modulusLength: bits, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
}

const serial = (): string => '0' + randomBytes(8).toString('hex').slice(1);

export function makeCa(name = 'Test Issuing CA'): TestCa {
  const keys = rsa(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
  const subject = [{ shortName: 'CN', value: name }, { shortName: 'O', value: 'Trellis tests' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privateKey), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKey, name };
}

/** A server certificate for `cn` (+ `sans`) signed by `ca`; `bits` of RSA (1024 is fast, for filters). */
export function issueLeaf(ca: TestCa, cn: string, opts: { readonly sans?: readonly string[]; readonly bits?: number; readonly days?: number } = {}): TestLeaf {
  const keys = rsa(opts.bits ?? 2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + (opts.days ?? 90) * 86_400_000);
  cert.setSubject([{ shortName: 'CN', value: cn }]);
  cert.setIssuer(forge.pki.certificateFromPem(ca.certPem).subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [cn, ...(opts.sans ?? [])].map((value) => ({ type: 2, value })) },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  const x = new X509Certificate(certPem);
  return { certPem, keyPem: keys.privateKey, fingerprint256: x.fingerprint256, serial: x.serialNumber };
}

/** A blob member as JSON 1.1 carries it. */
export const b64 = (text: string): string => Buffer.from(text).toString('base64');
