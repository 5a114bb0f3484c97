import { AwsError, type Scope } from '../../model/index.js';
import { certificates, type ControlPlane } from '../../control/index.js';
import { ARN_SHAPE, InputReader } from './input.js';

type CertificateView = certificates.CertificateView;
type CertificateDoc = certificates.CertificateDoc;

/** What an ACM action is given: the control plane, where the call acts, and its JSON body. */
export interface AcmCall {
  readonly cp: ControlPlane;
  readonly scope: Scope;
  readonly body: Readonly<Record<string, unknown>>;
}

/** One action: its answer (a JSON object; `{}` when it has no output members). */
export type AcmAction = (call: AcmCall) => Promise<Record<string, unknown>>;

const STATUSES = ['PENDING_VALIDATION', 'ISSUED', 'INACTIVE', 'EXPIRED', 'VALIDATION_TIMED_OUT', 'REVOKED', 'FAILED'] as const;
const KEY_TYPES = ['RSA_1024', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_prime256v1', 'EC_secp384r1', 'EC_secp521r1'] as const;
const EKU_VALUES = [
  'TLS_WEB_SERVER_AUTHENTICATION', 'TLS_WEB_CLIENT_AUTHENTICATION', 'CODE_SIGNING', 'EMAIL_PROTECTION', 'TIME_STAMPING',
  'OCSP_SIGNING', 'IPSEC_END_SYSTEM', 'IPSEC_TUNNEL', 'IPSEC_USER', 'ANY', 'NONE', 'CUSTOM',
] as const;
/** ACM's names of the extended key usages it recognises, by OID. */
const EKU_NAMES: Readonly<Record<string, string>> = {
  '1.3.6.1.5.5.7.3.1': 'TLS_WEB_SERVER_AUTHENTICATION', '1.3.6.1.5.5.7.3.2': 'TLS_WEB_CLIENT_AUTHENTICATION',
  '1.3.6.1.5.5.7.3.3': 'CODE_SIGNING', '1.3.6.1.5.5.7.3.4': 'EMAIL_PROTECTION', '1.3.6.1.5.5.7.3.8': 'TIME_STAMPING',
  '1.3.6.1.5.5.7.3.9': 'OCSP_SIGNING', '1.3.6.1.5.5.7.3.5': 'IPSEC_END_SYSTEM', '1.3.6.1.5.5.7.3.6': 'IPSEC_TUNNEL',
  '1.3.6.1.5.5.7.3.7': 'IPSEC_USER', '2.5.29.37.0': 'ANY',
};
/** ListCertificates without `Includes.keyTypes` lists RSA_2048 certificates only, as ACM does. */
const DEFAULT_KEY_TYPES: readonly string[] = ['RSA_2048'];
/** A SummaryList entry names at most this many SANs; `HasAdditionalSubjectAlternativeNames` says there were more. */
const SAN_SUMMARY_LIMIT = 100;

/** JSON 1.1 timestamps are epoch seconds. */
const epoch = (iso: string): number => Date.parse(iso) / 1000;

/** EXPIRED once `notAfter` has passed (ACM moves an imported certificate so); else as stored. */
function statusOf(doc: CertificateDoc, now: number): string {
  return Date.parse(doc.notAfter) < now ? 'EXPIRED' : doc.status;
}

function ekus(doc: CertificateDoc): { readonly name: string; readonly oid: string }[] {
  return doc.extendedKeyUsages.map((oid) => ({ name: EKU_NAMES[oid] ?? 'CUSTOM', oid }));
}

function arnMember(r: InputReader): string | undefined {
  return r.str('CertificateArn', { required: true, ...ARN_SHAPE });
}

const importCertificate: AcmAction = async ({ cp, scope, body }) => {
  const r = new InputReader(body);
  const arn = r.str('CertificateArn', ARN_SHAPE);
  const certificate = r.blob('Certificate', { required: true, max: 32_768 });
  const privateKey = r.blob('PrivateKey', { required: true, max: 5_120 });
  const certificateChain = r.blob('CertificateChain', { max: 2_097_152 });
  const tags = r.tags('Tags');
  r.done();
  const doc = await certificates.importCertificate(cp.store, scope, {
    certificate: certificate!, privateKey: privateKey!,
    ...(certificateChain !== undefined ? { certificateChain } : {}),
    ...(arn !== undefined ? { certificateArn: arn } : {}),
    ...(tags !== undefined ? { tags } : {}),
  }, new Date(cp.now()).toISOString());
  return { CertificateArn: doc.arn };
};

const describeCertificate: AcmAction = async ({ cp, body }) => {
  const r = new InputReader(body);
  const arn = arnMember(r);
  r.done();
  const { doc, inUseBy } = await certificates.describeCertificate(cp.store, arn!);
  return {
    Certificate: {
      CertificateArn: doc.arn,
      DomainName: doc.domainName,
      SubjectAlternativeNames: doc.subjectAlternativeNames,
      Serial: doc.serial,
      Subject: doc.subject,
      Issuer: doc.issuer,
      ImportedAt: epoch(doc.importedAt),
      Status: statusOf(doc, cp.now()),
      NotBefore: epoch(doc.notBefore),
      NotAfter: epoch(doc.notAfter),
      KeyAlgorithm: doc.keyAlgorithm,
      InUseBy: inUseBy,
      Type: doc.type,
      ExtendedKeyUsages: ekus(doc).map((e) => ({ Name: e.name, OID: e.oid })),
      RenewalEligibility: 'INELIGIBLE',
      Options: { CertificateTransparencyLoggingPreference: 'ENABLED' },
    },
  };
};

const getCertificate: AcmAction = async ({ cp, body }) => {
  const r = new InputReader(body);
  const arn = arnMember(r);
  r.done();
  const { doc } = await certificates.describeCertificate(cp.store, arn!);
  return { Certificate: doc.certificate, ...(doc.certificateChain !== undefined ? { CertificateChain: doc.certificateChain } : {}) };
};

const deleteCertificate: AcmAction = async ({ cp, body }) => {
  const r = new InputReader(body);
  const arn = arnMember(r);
  r.done();
  await certificates.deleteCertificate(cp.store, arn!);
  return {};
};

/** The NextToken of ListCertificates: the index of the next item, opaque to clients. */
function encodeToken(next: number): string {
  return Buffer.from(JSON.stringify({ acm: 1, next })).toString('base64url');
}

function decodeToken(token: string): number {
  try {
    const t: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof t === 'object' && t !== null && 'acm' in t && 'next' in t && Number.isInteger(t.next) && (t.next as number) >= 0) return t.next as number;
  } catch { /* refused below */ }
  throw new AwsError('InvalidArgsException', 'The NextToken is not valid.', {}, 400);
}

const listCertificates: AcmAction = async ({ cp, scope, body }) => {
  const r = new InputReader(body);
  const statuses = r.strList('CertificateStatuses', STATUSES);
  const includes = r.struct('Includes');
  const keyTypes = includes ? r.strList('keyTypes', KEY_TYPES, includes, 'includes.keyTypes') : undefined;
  const ekuFilter = includes ? r.strList('extendedKeyUsage', EKU_VALUES, includes, 'includes.extendedKeyUsage') : undefined;
  const nextToken = r.str('NextToken', { min: 1, max: 10_000 });
  const maxItems = r.int('MaxItems', { min: 1, max: 1000 });
  const sortBy = r.str('SortBy', { enum: ['CREATED_AT'] });
  const sortOrder = r.str('SortOrder', { enum: ['ASCENDING', 'DESCENDING'] });
  r.done();
  const now = cp.now();
  let views = (await certificates.listCertificates(cp.store, scope)).filter((v) => {
    if (statuses && statuses.length && !statuses.includes(statusOf(v.doc, now))) return false;
    if (!(keyTypes ?? DEFAULT_KEY_TYPES).includes(v.doc.keyAlgorithm)) return false;
    if (ekuFilter && ekuFilter.length) {
      const names = ekus(v.doc).map((e) => e.name);
      if (!ekuFilter.some((f) => (f === 'NONE' ? names.length === 0 : names.includes(f)))) return false;
    }
    return true;
  });
  if (sortBy !== undefined && sortOrder === 'DESCENDING') views = views.reverse();
  const start = nextToken !== undefined ? decodeToken(nextToken) : 0;
  const size = maxItems ?? 1000;
  const page = views.slice(start, start + size);
  return {
    CertificateSummaryList: page.map((v) => summary(v, now)),
    ...(start + size < views.length ? { NextToken: encodeToken(start + size) } : {}),
  };
};

function summary(v: CertificateView, now: number): Record<string, unknown> {
  const d = v.doc;
  return {
    CertificateArn: d.arn,
    DomainName: d.domainName,
    SubjectAlternativeNameSummaries: d.subjectAlternativeNames.slice(0, SAN_SUMMARY_LIMIT),
    HasAdditionalSubjectAlternativeNames: d.subjectAlternativeNames.length > SAN_SUMMARY_LIMIT,
    Status: statusOf(d, now),
    Type: d.type,
    KeyAlgorithm: d.keyAlgorithm,
    ExtendedKeyUsages: ekus(d).map((e) => e.name),
    InUse: v.inUseBy.length > 0,
    RenewalEligibility: 'INELIGIBLE',
    NotBefore: epoch(d.notBefore),
    NotAfter: epoch(d.notAfter),
    ImportedAt: epoch(d.importedAt),
  };
}

/** The ACM actions Trellis serves (`X-Amz-Target: CertificateManager.<Action>`). */
export const ACM_ACTIONS: Readonly<Record<string, AcmAction>> = {
  ImportCertificate: importCertificate,
  DescribeCertificate: describeCertificate,
  GetCertificate: getCertificate,
  ListCertificates: listCertificates,
  DeleteCertificate: deleteCertificate,
};
