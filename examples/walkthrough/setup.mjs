#!/usr/bin/env node
// Creates the walkthrough's VPC Lattice resources in a running Trellis with the AWS SDK, as
// the blog post's CloudFormation templates create them on AWS (ec2-formation, ecs-formation,
// lattice-formation): a service network, a service with a listener forwarding 10/10 to an
// INSTANCE target group (the EC2 instance running nginx) and an ALB target group (the ECS
// service behind its load balancer), both VPCs associated, an access-log subscription.
//
//   node examples/walkthrough/setup.mjs                                set it up, print the curl
//   node examples/walkthrough/setup.mjs add-html-backend 127.0.0.3:18081   a second EC2 instance
//   node examples/walkthrough/setup.mjs targets                        target health, as ListTargets says
//
// Environment: TRELLIS_ENDPOINT (default http://127.0.0.1:4590); HTML_HOST / HTML_PORT and
// JSON_HOST / JSON_PORT: where backends.mjs listens (defaults 127.0.0.1:18081, 127.0.0.2:18082).
//
// Tests import `setupWalkthrough` and `addHtmlBackend` with their own endpoint and ports.
import {
  CreateAccessLogSubscriptionCommand, CreateListenerCommand, CreateServiceCommand, CreateServiceNetworkCommand,
  CreateServiceNetworkServiceAssociationCommand, CreateServiceNetworkVpcAssociationCommand, CreateTargetGroupCommand,
  GetServiceCommand, GetServiceNetworkServiceAssociationCommand, GetServiceNetworkVpcAssociationCommand,
  GetTargetGroupCommand, ListServicesCommand, ListTargetGroupsCommand, ListTargetsCommand, RegisterTargetsCommand,
  VPCLatticeClient,
} from '@aws-sdk/client-vpc-lattice';
import { pathToFileURL } from 'node:url';
import { HTML_DEFAULT, JSON_DEFAULT, parseAddress } from './backends.mjs';

export const DEFAULT_ENDPOINT = process.env.TRELLIS_ENDPOINT ?? 'http://127.0.0.1:4590';

/** The walkthrough's names and ids. The ids stand for what the EC2 and ECS stacks export. */
export const WALKTHROUGH = Object.freeze({
  serviceNetwork: 'awesome-service-network',
  service: 'awesome-service',
  htmlTargetGroup: 'ec2-lattice-tg',
  jsonTargetGroup: 'ecs-lattice-tg',
  listener: 'ec2-80',
  ec2Vpc: Object.freeze({ vpcId: 'vpc-0ec20000000000001', cidrBlock: '10.0.0.0/16', securityGroupId: 'sg-0ec20000000000001' }),
  ecsVpc: Object.freeze({ vpcId: 'vpc-0ec50000000000002', cidrBlock: '10.1.0.0/16', securityGroupId: 'sg-0ec50000000000002' }),
  instanceId: 'i-0ec20000000000001',
  loadBalancerName: 'lattice-ecs-alb',
  tags: Object.freeze({ Owner: 'kuba', Project: 'blogpost' }),
});

/**
 * The post's health check (HTTP GET / expecting 200) with the smallest timings the API
 * allows, so that a stopped backend turns UNHEALTHY within seconds (AWS's defaults — a 30 s
 * interval, 5 successes to recover — would take minutes). No port: locally the backends do
 * not listen on 80, so the check goes to each target's own port.
 */
export const FAST_HEALTH_CHECK = Object.freeze({
  enabled: true, protocol: 'HTTP', protocolVersion: 'HTTP1', path: '/', matcher: { httpCode: '200' },
  healthCheckIntervalSeconds: 5, healthCheckTimeoutSeconds: 2, healthyThresholdCount: 2, unhealthyThresholdCount: 2,
});

const LOCAL_CREDENTIALS = { accessKeyId: 'AKIATRELLISLOCAL0001', secretAccessKey: 'trellis-local-secret' };

/** An SDK client for Trellis at `endpoint`: only the endpoint differs from AWS. */
export function latticeClient(endpoint = DEFAULT_ENDPOINT, region = process.env.AWS_REGION ?? 'us-east-1') {
  return new VPCLatticeClient({
    endpoint, region, maxAttempts: 1,
    ...(process.env.AWS_ACCESS_KEY_ID ? {} : { credentials: LOCAL_CREDENTIALS }),
  });
}

/** Trellis's own endpoints (/_trellis/…): VPCs, instances, load balancers, status. */
async function trellis(endpoint, method, path, body) {
  const res = await fetch(endpoint + path, {
    method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

async function waitFor(what, fn, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const active = (what, get) => waitFor(`${what} to be ACTIVE`, async () => (await get()).status === 'ACTIVE');

/**
 * Creates the walkthrough in the Trellis at `endpoint`, with the HTML backend at `html` and
 * the JSON backend at `json` ({host, port}), and returns what it created. Resolves once the
 * associations are ACTIVE and the data plane routes the state that includes them; the
 * alternation then starts with the HTML group (first in the listener's action).
 */
export async function setupWalkthrough({
  endpoint = DEFAULT_ENDPOINT, html = HTML_DEFAULT, json = JSON_DEFAULT, healthCheck = FAST_HEALTH_CHECK,
  client = latticeClient(endpoint), log = () => {},
} = {}) {
  const W = WALKTHROUGH;
  const tags = { ...W.tags };
  const send = (command) => client.send(command);

  for (const v of [W.ec2Vpc, W.ecsVpc]) await trellis(endpoint, 'POST', '/_trellis/vpcs', { vpcId: v.vpcId, cidrBlock: v.cidrBlock });
  log(`VPCs ${W.ec2Vpc.vpcId} (${W.ec2Vpc.cidrBlock}, EC2) and ${W.ecsVpc.vpcId} (${W.ecsVpc.cidrBlock}, ECS)`);

  const network = await send(new CreateServiceNetworkCommand({ name: W.serviceNetwork, authType: 'NONE', tags }));
  // The account and Region Trellis serves, as every ARN it mints carries them.
  const [, partition, , region, account] = network.arn.split(':');
  const albArn = `arn:${partition}:elasticloadbalancing:${region}:${account}:loadbalancer/app/${W.loadBalancerName}/0ec5a1b0c0ffee00`;
  log(`service network ${network.name} ${network.id}`);

  await trellis(endpoint, 'POST', '/_trellis/instances', { instanceId: W.instanceId, privateIpAddress: html.host, vpcId: W.ec2Vpc.vpcId });
  await trellis(endpoint, 'POST', '/_trellis/load-balancers', { arn: albArn, address: json.host, vpcId: W.ecsVpc.vpcId });
  log(`instance ${W.instanceId} → ${html.host}; load balancer ${W.loadBalancerName} → ${json.host}`);

  const service = await send(new CreateServiceCommand({ name: W.service, authType: 'NONE', tags }));
  await active('the service', () => send(new GetServiceCommand({ serviceIdentifier: service.id })));
  log(`service ${service.name} ${service.id}: ${service.dnsEntry.domainName}`);

  const common = { port: 80, protocol: 'HTTP', protocolVersion: 'HTTP1' };
  const htmlTg = await send(new CreateTargetGroupCommand({
    name: W.htmlTargetGroup, type: 'INSTANCE', tags, config: { ...common, vpcIdentifier: W.ec2Vpc.vpcId, healthCheck },
  }));
  // ALB target groups take no health check (the ALB checks its own targets).
  const jsonTg = await send(new CreateTargetGroupCommand({
    name: W.jsonTargetGroup, type: 'ALB', tags, config: { ...common, vpcIdentifier: W.ecsVpc.vpcId },
  }));
  for (const tg of [htmlTg, jsonTg]) await active(`target group ${tg.name}`, () => send(new GetTargetGroupCommand({ targetGroupIdentifier: tg.id })));
  await register(client, htmlTg.id, { id: W.instanceId, port: html.port });
  await register(client, jsonTg.id, { id: albArn, port: json.port });
  log(`target groups ${htmlTg.name} ${htmlTg.id} (INSTANCE, port ${html.port}) and ${jsonTg.name} ${jsonTg.id} (ALB, port ${json.port})`);

  const listener = await send(new CreateListenerCommand({
    serviceIdentifier: service.id, name: W.listener, protocol: 'HTTP', port: 80, tags,
    defaultAction: { forward: { targetGroups: [{ targetGroupIdentifier: htmlTg.id, weight: 10 }, { targetGroupIdentifier: jsonTg.id, weight: 10 }] } },
  }));
  log(`listener ${listener.name} ${listener.id}: HTTP 80 → ${htmlTg.name} 10 / ${jsonTg.name} 10`);

  const serviceAssociation = await send(new CreateServiceNetworkServiceAssociationCommand({
    serviceNetworkIdentifier: network.id, serviceIdentifier: service.id, tags,
  }));
  const vpcAssociations = [];
  for (const v of [W.ecsVpc, W.ec2Vpc]) {
    vpcAssociations.push(await send(new CreateServiceNetworkVpcAssociationCommand({
      serviceNetworkIdentifier: network.id, vpcIdentifier: v.vpcId, securityGroupIds: [v.securityGroupId], tags,
    })));
  }
  const destinationArn = `arn:${partition}:logs:${region}:${account}:log-group:/aws/vpclattice/${W.serviceNetwork}`;
  const accessLogSubscription = await send(new CreateAccessLogSubscriptionCommand({ resourceIdentifier: network.id, destinationArn, tags }));

  await active('the service association', () => send(new GetServiceNetworkServiceAssociationCommand({ serviceNetworkServiceAssociationIdentifier: serviceAssociation.id })));
  for (const a of vpcAssociations) {
    await active(`the VPC association ${a.id}`, () => send(new GetServiceNetworkVpcAssociationCommand({ serviceNetworkVpcAssociationIdentifier: a.id })));
  }
  log(`associated ${service.name} and both VPCs with ${network.name}; access logs → ${destinationArn}`);

  // The data plane follows the store: wait until its snapshot includes the ACTIVE associations.
  const { revision } = await trellis(endpoint, 'GET', '/_trellis/status');
  const routed = await waitFor('the data plane to route the new state', async () => {
    const s = await trellis(endpoint, 'GET', '/_trellis/status');
    return s.dataPlane === undefined || s.dataPlane.revision >= revision ? s : undefined;
  });
  const { proxy, items } = await trellis(endpoint, 'GET', '/_trellis/vpcs');

  const dnsName = service.dnsEntry.domainName;
  return {
    dataPlane: routed.dataPlane !== undefined,
    account, region, albArn, dnsName, destinationArn,
    serviceNetwork: network, service, listener, htmlTargetGroup: htmlTg, jsonTargetGroup: jsonTg,
    serviceAssociation, vpcAssociations, accessLogSubscription,
    proxy,
    vpcEndpoints: Object.fromEntries(items.filter((v) => v.endpoint).map((v) => [v.vpcId, v.endpoint])),
    curl: proxy ? `curl -x http://${W.ec2Vpc.vpcId}@${proxy} http://${dnsName}/` : undefined,
  };
}

async function register(client, targetGroupIdentifier, target) {
  const r = await client.send(new RegisterTargetsCommand({ targetGroupIdentifier, targets: [target] }));
  if (r.unsuccessful?.length) throw new Error(`RegisterTargets ${target.id}: ${r.unsuccessful[0].failureCode} ${r.unsuccessful[0].failureMessage}`);
}

/** The walkthrough's target group of `name`, found by name as a user would in the console. */
export async function findTargetGroup(client, name) {
  for await (const tg of paginate((nextToken) => client.send(new ListTargetGroupsCommand({ nextToken })))) {
    if (tg.name === name) return tg;
  }
  return undefined;
}

async function* paginate(page) {
  let token;
  do {
    const r = await page(token);
    yield* r.items ?? [];
    token = r.nextToken;
  } while (token);
}

/**
 * Gives the HTML target group another "EC2 instance": registers `instanceId` with the
 * address `host` in the EC2 VPC, then registers it as a target on `port`.
 */
export async function addHtmlBackend({ endpoint = DEFAULT_ENDPOINT, client = latticeClient(endpoint), instanceId = 'i-0ec20000000000002', host, port }) {
  const tg = await findTargetGroup(client, WALKTHROUGH.htmlTargetGroup);
  if (!tg) throw new Error(`no target group ${WALKTHROUGH.htmlTargetGroup}: run setup.mjs first`);
  await trellis(endpoint, 'POST', '/_trellis/instances', { instanceId, privateIpAddress: host, vpcId: WALKTHROUGH.ec2Vpc.vpcId });
  await register(client, tg.id, { id: instanceId, port });
  return { targetGroupId: tg.id, instanceId, host, port };
}

/** Every target of the walkthrough's groups with its health, as ListTargets reports it. */
export async function targetHealth({ endpoint = DEFAULT_ENDPOINT, client = latticeClient(endpoint) } = {}) {
  const out = [];
  for (const name of [WALKTHROUGH.htmlTargetGroup, WALKTHROUGH.jsonTargetGroup]) {
    const tg = await findTargetGroup(client, name);
    if (!tg) continue;
    const r = await client.send(new ListTargetsCommand({ targetGroupIdentifier: tg.id }));
    for (const t of r.items ?? []) out.push({ targetGroup: name, id: t.id, port: t.port, status: t.status, reasonCode: t.reasonCode });
  }
  return out;
}

async function existingService(client) {
  for await (const s of paginate((nextToken) => client.send(new ListServicesCommand({ nextToken })))) {
    if (s.name === WALKTHROUGH.service) return s;
  }
  return undefined;
}

function printTargets(rows) {
  for (const r of rows) console.log(`  ${r.targetGroup.padEnd(15)} ${`${r.id}:${r.port}`.padEnd(26)} ${r.status}${r.reasonCode ? `  (${r.reasonCode})` : ''}`);
}

async function main(args) {
  const endpoint = DEFAULT_ENDPOINT;
  const client = latticeClient(endpoint);
  if (args[0] === 'add-html-backend') {
    const at = parseAddress(args[1]);
    const added = await addHtmlBackend({ endpoint, client, host: at.host, port: at.port, ...(args[2] ? { instanceId: args[2] } : {}) });
    console.log(`registered ${added.instanceId} (${at.host}:${at.port}) in ${WALKTHROUGH.htmlTargetGroup} ${added.targetGroupId}`);
    console.log('watch its health:  node examples/walkthrough/setup.mjs targets');
    return;
  }
  if (args[0] === 'targets') {
    printTargets(await targetHealth({ endpoint, client }));
    return;
  }
  if (args.length > 0) {
    console.error('usage: setup.mjs [add-html-backend HOST:PORT [INSTANCE_ID] | targets]');
    process.exit(2);
  }
  const seen = await existingService(client);
  if (seen) {
    const { proxy } = await trellis(endpoint, 'GET', '/_trellis/vpcs');
    console.log(`The walkthrough is already set up in ${endpoint} (service ${seen.name} ${seen.id}). Try:\n`);
    console.log(`  curl -x http://${WALKTHROUGH.ec2Vpc.vpcId}@${proxy} http://${seen.dnsEntry.domainName}/`);
    return;
  }
  const w = await setupWalkthrough({ endpoint, client, log: (line) => console.log(`  ${line}`) });
  // The first probe runs within a second: tell the user now if a backend is not running.
  await waitFor('the first health check', async () => (await targetHealth({ endpoint, client })).every((t) => t.status !== 'INITIAL'), 5000).catch(() => undefined);
  const health = await targetHealth({ endpoint, client });
  console.log('\ntargets:');
  printTargets(health);
  if (health.some((t) => t.status === 'UNHEALTHY')) console.log('  (is `node examples/walkthrough/backends.mjs` running?)');
  console.log(`\nservice DNS name  ${w.dnsName}`);
  if (!w.curl) {
    console.log('the data plane is not running (trellis up --no-data-plane?): nothing will answer requests');
    return;
  }
  console.log(`\nCall it from the EC2 VPC through the proxy gateway (alternates text/html and application/json):\n\n  ${w.curl}\n`);
  const own = w.vpcEndpoints[WALKTHROUGH.ec2Vpc.vpcId];
  if (own) console.log(`or through the VPC's own gateway address:\n\n  curl -H 'Host: ${w.dnsName}' http://${own}/\n`);
  console.log(`access logs:  node bin/trellis.mjs logs tail -f     metrics:  curl ${endpoint}/_trellis/metrics`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2)).catch((err) => {
    const hint = err?.cause?.code === 'ECONNREFUSED' || /fetch failed|ECONNREFUSED/.test(String(err?.message)) ? ` (is Trellis running at ${DEFAULT_ENDPOINT}? npm start)` : '';
    console.error(`setup failed: ${err?.message ?? err}${hint}`);
    process.exit(1);
  });
}
