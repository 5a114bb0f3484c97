import type { Place, ResourceRecord } from '../store/index.js';
import type { CompileContext } from './context.js';
import { Fields, reasonOf } from './narrow.js';
import type { CertificateEntry } from './snapshot.js';

/**
 * A service's imported certificate (issue 6): the `certificate` record its `certificateArn`
 * names, compiled into `ServiceEntry.certificate` so the data plane presents it for the
 * custom domain without reading the store. The record lives in the ARN's own account and
 * region, keyed by the ARN's UUID (control/certificates.ts writes it; its PEM was parsed
 * and its key checked against the certificate at import, so here it is only narrowed).
 *
 * A missing record, an ARN that is not an ACM certificate ARN, or a malformed record
 * degrades in place: the service still compiles, HTTPS falls back to the local CA's leaf,
 * and a problem of kind `certificate` (id = the ARN as given) names the service.
 * CreateService and UpdateService do not refuse unknown ARNs (AWS checks them against ACM;
 * Trellis's tests and templates use made-up ones), so this is where a typo shows.
 */

const ACM_ARN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):(\d{12}):certificate\/([0-9a-f-]{36})$/;

/** Where the record of a certificate ARN lives: its place and id; undefined when it is not an ACM certificate ARN. */
export function certificateRecordOf(arn: string): { readonly place: Place; readonly id: string } | undefined {
  const m = ACM_ARN.exec(arn);
  return m ? { place: { account: m[2]!, region: m[1]! }, id: m[3]! } : undefined;
}

/** The key that ties a service to the certificate record it names (incremental dependencies). */
export function certificateKey(arn: string): string | undefined {
  const r = certificateRecordOf(arn);
  return r && `${r.place.account}\0${r.place.region}\0${r.id}`;
}

/**
 * One entry per record doc: services naming one certificate share the object within a
 * compile, so the data plane builds one TLS context for them.
 */
const entries = new WeakMap<object, CertificateEntry>();

/**
 * The certificate entry of a service, or undefined (with a problem when `certificateArn`
 * names nothing usable). Only a service with a custom domain presents one: the generated
 * name is always served by the local CA's leaf, as AWS serves it with its own certificate.
 */
export function serviceCertificate(ctx: CompileContext, serviceId: string, certificateArn: string | undefined, customDomainName: string | undefined): CertificateEntry | undefined {
  if (!certificateArn || !customDomainName) return undefined;
  const problem = (reason: string) => {
    ctx.problem('certificate', certificateArn, `service ${serviceId} names it, but ${reason}; HTTPS for ${customDomainName.toLowerCase()} presents the local CA's certificate`);
  };
  const at = certificateRecordOf(certificateArn);
  if (!at) {
    problem('it is not an ACM certificate ARN');
    return undefined;
  }
  const rec: ResourceRecord | undefined = ctx.get('certificate', at.place, at.id);
  if (!rec) {
    problem('no certificate with this ARN is imported');
    return undefined;
  }
  const doc = rec.doc as object;
  const known = entries.get(doc);
  if (known) return known;
  try {
    const f = Fields.of(rec.doc, '');
    const chain = f.optStr('certificateChain');
    const leaf = f.str('certificate');
    const entry: CertificateEntry = {
      arn: certificateArn,
      cert: chain ? `${leaf.endsWith('\n') ? leaf : `${leaf}\n`}${chain}` : leaf,
      key: f.str('privateKey'),
    };
    entries.set(doc, entry);
    return entry;
  } catch (err) {
    problem(`its record is a ${reasonOf(err)}`);
    return undefined;
  }
}
