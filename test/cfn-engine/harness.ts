import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createControlPlane, type CallContext, type ControlPlane } from '../../src/control/index.js';
import { SqliteStore } from '../../src/store/index.js';
import { createStackEngineWith, type StackEngineOptions, type StackEngineRuntime } from '../../src/cfn/engine/engine.js';
import { jsonLayer } from '../../src/cfn/engine/testing/json-layer.js';
import { World } from '../../src/cfn/engine/testing/world.js';

export { World };

export const CALL: CallContext = { scope: { partition: 'aws', region: 'us-east-1', account: '111122223333' }, requestId: 'test' };

export interface Harness {
  readonly cp: ControlPlane & { close(): void };
  readonly store: SqliteStore;
  readonly engine: StackEngineRuntime;
  readonly world: World;
  readonly dir: string;
  /** A new engine over a new store on the same file: what a restart sees. */
  restart(): Promise<Harness>;
  close(): Promise<void>;
}

const TYPES = ['Test::Thing', 'Test::Gate', 'AWS::IAM::Role'];

export async function harness(opts: Partial<StackEngineOptions> = {}, dir = mkdtempSync(join(tmpdir(), 'trellis-cfn-')), world = new World()): Promise<Harness> {
  const store = new SqliteStore(join(dir, 'trellis.db'));
  const cp = await createControlPlane({ store, config: { settleDelayMs: 1 } });
  const providers = new Map(TYPES.map((t) => [t, world.provider(t)]));
  const engine = createStackEngineWith(cp, { layer: jsonLayer, providerFor: (t) => providers.get(t), ...opts });
  await engine.ready();
  const h: Harness = {
    cp, store, engine, world, dir,
    restart: () => harness(opts, dir, world),
    async close() {
      cp.close();
      await store.close();
    },
  };
  return h;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A JSON template from an object, as a user would submit it. */
export function tpl(t: Record<string, unknown>): string {
  return JSON.stringify(t, null, 2);
}

export async function statusOf(engine: StackEngineRuntime, name: string): Promise<string> {
  await engine.idle();
  return (await engine.describeStacks(CALL, { StackName: name }))[0]!.StackStatus;
}

/** Events oldest first, as "LogicalId STATUS[ reason]". */
export async function eventLines(engine: StackEngineRuntime, name: string): Promise<string[]> {
  const events = await engine.describeStackEvents(CALL, { StackName: name });
  return [...events].reverse().map((e) => `${e.LogicalResourceId} ${e.ResourceStatus}${e.ResourceStatusReason ? ` ${e.ResourceStatusReason}` : ''}`);
}

export async function rejection(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try { await p; } catch (e) { return e as { name: string; message: string; status?: number }; }
  throw new Error('expected the call to fail, and it succeeded');
}
