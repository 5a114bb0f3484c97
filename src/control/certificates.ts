import { X509Certificate, createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { AwsError, parseArn } from '../model/index.js';
import type { Place, ResourceRecord, Store } from '../store/index.js';

/*
 * The ACM-like certificate store (issue 6): a service's `certificateArn` names a certificate
 * that the user imported (ACM's ImportCertificate, or `trellis cert import`), and HTTPS for
 * the service's custom domain presents it. On AWS a certificate is ACM's; here it is a
 * `certificate` record in the ARN's account and region, keyed by the ARN's UUID, holding the
 * PEM material and what ACM reports about it (parsed once, at import, with node:crypto's
 * X509Certificate). The private key is kept as given: it never leaves through the API
 * (GetCertificate returns the certificate and chain only), only through the routing
 * snapshot to the data plane (config/compile.ts).
 *
 * Errors are ACM's (JSON 1.1, every client error status 400): they carry no fields, only
 * the type and message, so they are thrown here ready for the wire.
 */

/** ACM's key algorithms (KeyAlgorithm): what Lattice's HTTPS listeners can present. */
export type KeyAlgorithm = 'RSA_1024' | 'RSA_2048' | 'RSA_3072' | 'RSA_4096' | 'EC_prime256v1' | 'EC_secp384r1' | 'EC_secp521r1';

/** The stored document of a `certificate` record. */
export interface CertificateDoc {
  readonly arn: string;
  /** The leaf certificate, PEM. */
  readonly certificate: string;
  /** The intermediates (and possibly the root), PEM, as imported; absent when none was given. */
  readonly certificateChain?: string;
  readonly privateKey: string;
  /** The leaf's subject CN, else its first DNS SAN. */
  readonly domainName: string;
  readonly subjectAlternativeNames: readonly string[];
  /** The subject as `CN=…,O=…`. */
  readonly subject: string;
  /** The issuer's CN (else its O, else the whole name), as ACM shows the issuing CA. */
  readonly issuer: string;
  /** The serial, colon-separated lower-case hex pairs (`0a:1b:…`), as ACM prints it. */
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly keyAlgorithm: KeyAlgorithm;
  /** Extended key usages by OID (those ACM names are mapped at the API). */
  readonly extendedKeyUsages: readonly string[];
  readonly status: 'ISSUED';
  readonly type: 'IMPORTED';
  readonly importedAt: string;
  readonly createdAt: string;
  readonly lastUpdatedAt: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** A certificate as Describe shows it: the doc plus what it is used by (computed, not stored). */
export interface CertificateView {
  readonly doc: CertificateDoc;
  /** ARNs of the services whose `certificateArn` names it. */
  readonly inUseBy: readonly string[];
}

export interface ImportSpec {
  readonly certificate: string;
  readonly privateKey: string;
  readonly certificateChain?: string;
  /** Set to re-import: the record of this ARN is replaced in place. */
  readonly certificateArn?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** The record kind (EnvironmentKind in model/resource-kinds.ts). */
export const CERTIFICATE_KIND = 'certificate';

const ACM_ARN = /^arn:(aws[a-z-]*):acm:([a-z0-9-]+):(\d{12}):certificate\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** ACM's client errors all answer 400 (JSON 1.1). */
export function acmError(type: string, message: string): AwsError {
  return new AwsError(type, message, {}, 400);
}

/**
 * The place and record id of an ACM certificate ARN; undefined when it is not one. (The
 * data plane's compiler reads the same ARNs: config/compile.ts repeats this shape.)
 */
export function parseCertificateArn(arn: string): { readonly place: Place; readonly id: string; readonly partition: string } | undefined {
  const m = ACM_ARN.exec(arn);
  return m ? { place: { account: m[3]!, region: m[2]! }, id: m[4]!, partition: m[1]! } : undefined;
}

/** Like `parseCertificateArn`, but an InvalidArnException as ACM answers for a malformed ARN. */
function certificateArnOrThrow(arn: string): { readonly place: Place; readonly id: string } {
  const parsed = parseCertificateArn(arn);
  if (parsed) return parsed;
  // ACM tells a well-formed ARN of another service apart from a string that is no ARN.
  const generic = parseArn(arn);
  throw acmError('InvalidArnException', generic
    ? `The certificate ARN ${arn} is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>).`
    : `String '${arn}' is not a valid ARN.`);
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM text, each block as its own PEM with LF line ends (as ACM returns them). */
function pemBlocks(text: string): string[] {
  return (text.match(PEM_BLOCK) ?? []).map((b) => `${b.replace(/\r\n/g, '\n')}\n`);
}

function parseCertificate(pem: string, member: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw acmError('ValidationException', `The ${member} could not be parsed as a PEM-encoded X.509 certificate.`);
  }
}

function parseKey(pem: string): KeyObject {
  try {
    const key = createPrivateKey(pem);
    if (key.type !== 'private') throw new Error('not private');
    return key;
  } catch {
    throw acmError('ValidationException', 'The private key is not supported or could not be parsed; it must be an unencrypted PEM-encoded private key.');
  }
}

/** `CN=a\nO=b` (node:crypto's form) as its attribute pairs. */
function nameParts(name: string): [string, string][] {
  return name.split('\n').filter(Boolean).map((line) => {
    const eq = line.indexOf('=');
    return [line.slice(0, eq), line.slice(eq + 1)];
  });
}

function keyAlgorithmOf(cert: X509Certificate): KeyAlgorithm {
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength;
    if (bits === 1024 || bits === 2048 || bits === 3072 || bits === 4096) return `RSA_${bits}`;
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = details.namedCurve;
    if (curve === 'prime256v1' || curve === 'secp384r1' || curve === 'secp521r1') return `EC_${curve}`;
  }
  throw acmError('ValidationException', `The certificate's key algorithm (${key.asymmetricKeyType ?? 'unknown'}${details.modulusLength ? ` ${details.modulusLength}` : details.namedCurve ? ` ${details.namedCurve}` : ''}) is not supported.`);
}

/** Reads everything ACM reports from the material; throws ACM's errors for bad input. */
function describeMaterial(spec: ImportSpec): Omit<CertificateDoc, 'arn' | 'status' | 'type' | 'importedAt' | 'createdAt' | 'lastUpdatedAt' | 'tags'> {
  const blocks = pemBlocks(spec.certificate);
  if (blocks.length === 0) throw acmError('ValidationException', 'The certificate field does not contain a PEM-encoded certificate.');
  if (blocks.length > 1) throw acmError('ValidationException', 'The certificate field contains more than one certificate. You can specify only one certificate in this field.');
  const leaf = parseCertificate(blocks[0]!, 'certificate');
  const key = parseKey(spec.privateKey);
  if (!leaf.checkPrivateKey(key)) throw acmError('InvalidParameterException', 'The private key does not match the public key in the certificate.');
  let chain: string | undefined;
  if (spec.certificateChain !== undefined) {
    const chainBlocks = pemBlocks(spec.certificateChain);
    if (chainBlocks.length === 0) throw acmError('ValidationException', 'The certificate chain does not contain a PEM-encoded certificate.');
    chainBlocks.forEach((b) => parseCertificate(b, 'certificate chain'));
    chain = chainBlocks.join('');
  }
  const subject = nameParts(leaf.subject);
  const sans = (leaf.subjectAltName ?? '').split(', ').filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4));
  const cn = subject.find(([k]) => k === 'CN')?.[1];
  const domainName = cn ?? sans[0];
  if (domainName === undefined) throw acmError('ValidationException', 'The certificate has neither a subject common name nor a DNS subject alternative name.');
  const issuer = nameParts(leaf.issuer);
  return {
    certificate: blocks[0]!,
    ...(chain !== undefined ? { certificateChain: chain } : {}),
    privateKey: spec.privateKey.endsWith('\n') ? spec.privateKey : `${spec.privateKey}\n`,
    domainName,
    // ACM lists the domain name first, then the other SANs.
    subjectAlternativeNames: [domainName, ...sans.filter((s) => s !== domainName)],
    subject: subject.map(([k, v]) => `${k}=${v}`).join(','),
    issuer: issuer.find(([k]) => k === 'CN')?.[1] ?? issuer.find(([k]) => k === 'O')?.[1] ?? leaf.issuer.replace(/\n/g, ','),
    serial: (leaf.serialNumber.length % 2 ? `0${leaf.serialNumber}` : leaf.serialNumber).toLowerCase().match(/../g)!.join(':'),
    notBefore: new Date(leaf.validFrom).toISOString(),
    notAfter: new Date(leaf.validTo).toISOString(),
    keyAlgorithm: keyAlgorithmOf(leaf),
    extendedKeyUsages: leaf.keyUsage ?? [],
  };
}

/**
 * Imports a certificate (ACM's ImportCertificate): the leaf, its key (which must match) and
 * an optional chain. With `certificateArn` the existing record is replaced in place, keeping
 * its ARN, creation time and tags (ACM refuses tags on a re-import); otherwise a new ARN is
 * minted in `scope`.
 */
export async function importCertificate(store: Store, scope: Place & { readonly partition: string }, spec: ImportSpec, now: string): Promise<CertificateDoc> {
  const material = describeMaterial(spec);
  if (spec.certificateArn !== undefined) {
    const { place, id } = certificateArnOrThrow(spec.certificateArn);
    if (spec.tags !== undefined) throw acmError('ValidationException', 'You cannot apply tags when reimporting a certificate.');
    return store.transact(async (tx) => {
      const seen = await tx.get<CertificateDoc>(CERTIFICATE_KIND, place, id);
      if (!seen) throw notFound(spec.certificateArn!);
      const doc: CertificateDoc = {
        ...material, arn: seen.doc.arn, status: 'ISSUED', type: 'IMPORTED',
        importedAt: now, createdAt: seen.doc.createdAt, lastUpdatedAt: now, tags: seen.doc.tags,
      };
      await tx.put<CertificateDoc>({ kind: CERTIFICATE_KIND, ...place, id, parentId: '', name: doc.domainName, refs: [], doc });
      return doc;
    });
  }
  const id = randomUUID();
  const arn = `arn:${scope.partition}:acm:${scope.region}:${scope.account}:certificate/${id}`;
  const doc: CertificateDoc = {
    ...material, arn, status: 'ISSUED', type: 'IMPORTED',
    importedAt: now, createdAt: now, lastUpdatedAt: now, tags: spec.tags ?? {},
  };
  const place = { account: scope.account, region: scope.region };
  await store.transact((tx) => tx.put<CertificateDoc>({ kind: CERTIFICATE_KIND, ...place, id, parentId: '', name: doc.domainName, refs: [], doc }));
  return doc;
}

function notFound(arn: string): AwsError {
  return acmError('ResourceNotFoundException', `Could not find certificate ${arn}.`);
}

/** The ARNs of the services of `place` whose `certificateArn` is `arn`. */
async function servicesUsing(store: Store, place: Place, arn: string): Promise<string[]> {
  const services = await store.list('service', place);
  const out: string[] = [];
  for (const s of services) {
    if (s.doc['certificateArn'] === arn && typeof s.doc['arn'] === 'string') out.push(s.doc['arn']);
  }
  return out;
}

/** A certificate with the services using it (DescribeCertificate); ResourceNotFoundException when absent. */
export async function describeCertificate(store: Store, arn: string): Promise<CertificateView> {
  const { place, id } = certificateArnOrThrow(arn);
  const rec = await store.get<CertificateDoc>(CERTIFICATE_KIND, place, id);
  if (!rec) throw notFound(arn);
  return { doc: rec.doc, inUseBy: await servicesUsing(store, place, rec.doc.arn) };
}

/** The certificates of one account and region, in import order, each with the services using it. */
export async function listCertificates(store: Store, place: Place): Promise<CertificateView[]> {
  const recs: ResourceRecord<CertificateDoc>[] = await store.list<CertificateDoc>(CERTIFICATE_KIND, place);
  if (recs.length === 0) return [];
  const users = new Map<string, string[]>();
  for (const s of await store.list('service', place)) {
    const cert = s.doc['certificateArn'];
    const arn = s.doc['arn'];
    if (typeof cert === 'string' && typeof arn === 'string') (users.get(cert) ?? users.set(cert, []).get(cert)!).push(arn);
  }
  return recs.map((r) => ({ doc: r.doc, inUseBy: users.get(r.doc.arn) ?? [] }));
}

/**
 * Deletes a certificate (DeleteCertificate). A certificate a service names cannot be deleted
 * (ResourceInUseException), as ACM refuses while an AWS service uses it.
 */
export async function deleteCertificate(store: Store, arn: string): Promise<void> {
  const { place, id } = certificateArnOrThrow(arn);
  await store.transact(async (tx) => {
    const rec = await tx.get<CertificateDoc>(CERTIFICATE_KIND, place, id);
    if (!rec) throw notFound(arn);
    const services = await tx.list('service', place);
    const user = services.find((s) => s.doc['certificateArn'] === rec.doc.arn);
    if (user) throw acmError('ResourceInUseException', `Certificate ${arn} is in use by ${String(user.doc['arn'])}.`);
    await tx.delete(CERTIFICATE_KIND, place, id);
  });
}
