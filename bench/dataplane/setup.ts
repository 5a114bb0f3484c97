/**
 * Configures a running Trellis through its real API (the AWS SDK against the endpoint, and
 * Trellis's own /_trellis/vpcs) the way the walkthrough routes, for the side-by-side
 * benchmark's contract: Host `bench.local` (the service's custom domain name), listener HTTP
 * 80, a header rule that wrk's requests do not match (so rule matching runs on every request)
 * and a path rule, then the default action forwarding to two IP target groups weighted
 * 10/10 (127.0.0.1:18081 and :18082: smooth weighted round robin alternates them exactly),
 * health checks on, an access-log subscription on the service network (a file under the
 * data dir), metrics always on. Any other Host gets 404 (NonExistentService).
 */
import {
  CreateAccessLogSubscriptionCommand, CreateListenerCommand, CreateRuleCommand, CreateServiceCommand,
  CreateServiceNetworkCommand, CreateTargetGroupCommand, GetTargetGroupCommand, RegisterTargetsCommand,
} from '@aws-sdk/client-vpc-lattice';
import { associate, benchClient, registerVpc, until } from '../lib/trellis-bench.js';

export const BENCH_VPC = 'vpc-0be0c4000000000b1';
export const BENCH_HOST = 'bench.local';

export async function configureBench(apiUrl: string, backends: readonly number[] = [18081, 18082]): Promise<void> {
  await registerVpc(apiUrl, BENCH_VPC);
  const c = benchClient(apiUrl);
  try {
    const sn = await c.send(new CreateServiceNetworkCommand({ name: 'bench-net' }));
    const svc = await c.send(new CreateServiceCommand({ name: 'bench-svc', customDomainName: BENCH_HOST }));
    const tgs: string[] = [];
    for (const [i, port] of backends.entries()) {
      const tg = await c.send(new CreateTargetGroupCommand({
        name: `bench-tg-${i + 1}`, type: 'IP',
        config: {
          port: 80, protocol: 'HTTP', vpcIdentifier: BENCH_VPC,
          healthCheck: { enabled: true, path: '/', healthCheckIntervalSeconds: 30, healthCheckTimeoutSeconds: 5 },
        },
      }));
      await until(`target group ${tg.id}`, async () => (await c.send(new GetTargetGroupCommand({ targetGroupIdentifier: tg.id! }))).status === 'ACTIVE');
      await c.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id!, targets: [{ id: '127.0.0.1', port }] }));
      tgs.push(tg.id!);
    }
    const listener = await c.send(new CreateListenerCommand({
      serviceIdentifier: svc.id!, name: 'http-80', protocol: 'HTTP', port: 80,
      defaultAction: { forward: { targetGroups: tgs.map((id) => ({ targetGroupIdentifier: id, weight: 10 })) } },
    }));
    await c.send(new CreateRuleCommand({
      serviceIdentifier: svc.id!, listenerIdentifier: listener.id!, name: 'canary', priority: 10,
      match: { httpMatch: { headerMatches: [{ name: 'x-bench-canary', match: { exact: '1' } }] } },
      action: { forward: { targetGroups: [{ targetGroupIdentifier: tgs[0]!, weight: 1 }] } },
    }));
    await c.send(new CreateRuleCommand({
      serviceIdentifier: svc.id!, listenerIdentifier: listener.id!, name: 'admin', priority: 20,
      match: { httpMatch: { method: 'POST', pathMatch: { match: { prefix: '/admin' }, caseSensitive: false } } },
      action: { fixedResponse: { statusCode: 404 } },
    }));
    // BENCH_ACCESS_LOG=0: no subscription (ablation: what the access log costs per request).
    if (process.env.BENCH_ACCESS_LOG !== '0') await c.send(new CreateAccessLogSubscriptionCommand({
      resourceIdentifier: sn.id!, destinationArn: 'arn:aws:logs:us-east-1:000000000000:log-group:bench',
    }));
    await associate(c, sn.id!, svc.id!, BENCH_VPC);
  } finally {
    c.destroy();
  }
}
