import type { CertificateEntry, RoutingSnapshot } from '../config/index.js';
import type { CertificateProvider, TlsKeyPair } from '../dataplane/index.js';

/**
 * The certificates HTTPS presents in `trellis up` (issue 6): for a server name that is a
 * service's custom domain, the imported certificate its `certificateArn` names (compiled into
 * the snapshot as `ServiceEntry.certificate`, so no handshake reads the store); for every
 * other name — generated service names, custom domains without an imported certificate —
 * `fallback` (the local CA's leaf).
 *
 * The name → key-pair index is built from a snapshot's services on the first handshake after
 * that snapshot is published (one walk per change, not per handshake). Key pairs are interned
 * by ARN and content, so one certificate is one object across services and snapshots and the
 * data plane's TLS layer reuses its SecureContext (it caches them by object).
 * When two services of different networks claim one custom domain, the first in the snapshot
 * wins: a provider sees only the server name, not the VPC.
 */
export function snapshotCertificates(current: () => RoutingSnapshot, fallback: CertificateProvider): CertificateProvider {
  let indexed: RoutingSnapshot['services'] | undefined;
  let byName = new Map<string, TlsKeyPair>();
  let interned = new Map<string, TlsKeyPair>();

  const index = (services: RoutingSnapshot['services']): void => {
    const nextByName = new Map<string, TlsKeyPair>();
    const nextInterned = new Map<string, TlsKeyPair>();
    const intern = (c: CertificateEntry): TlsKeyPair => {
      const had = nextInterned.get(c.arn) ?? interned.get(c.arn);
      const pair = had && had.cert === c.cert && had.key === c.key ? had : { cert: c.cert, key: c.key };
      nextInterned.set(c.arn, pair);
      return pair;
    };
    for (const s of services.values()) {
      // The compiler sets `certificate` only with a custom domain, the last host name.
      const host = s.certificate && s.hostNames.at(-1);
      if (host && !nextByName.has(host)) nextByName.set(host, intern(s.certificate!));
    }
    byName = nextByName;
    interned = nextInterned;
    indexed = services;
  };

  return (serverName) => {
    const services = current().services;
    if (services !== indexed) index(services);
    return byName.get(serverName.toLowerCase()) ?? fallback(serverName);
  };
}
