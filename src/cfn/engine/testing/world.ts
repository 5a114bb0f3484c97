import type { ProvidedResource, ProviderContext, Properties, ResourceProvider } from '../../contracts.js';

/**
 * Test providers: real implementations of the provider contract that keep what they create
 * in a Map, so that a test can see what exists, in which order calls came, and make calls
 * fail on demand (a property `Fail: "message"` fails the create, `FailUpdate` the update,
 * `FailDelete` the delete).
 */
export class World {
  readonly things = new Map<string, Record<string, unknown>>();
  readonly log: string[] = [];
  private n = 0;
  /** Creates of `Test::Gate` wait here until `open` is called. */
  private gates: (() => void)[] = [];
  private gateWaiters: (() => void)[] = [];
  inFlight = 0;
  maxInFlight = 0;

  provider(type: string, replacementPaths: readonly string[] = ['/properties/Name']): ResourceProvider {
    const world = this;
    return {
      type, replacementPaths,
      async create(ctx: ProviderContext, props: Properties): Promise<ProvidedResource> {
        world.log.push(`create ${ctx.logicalId}`);
        world.inFlight++;
        world.maxInFlight = Math.max(world.maxInFlight, world.inFlight);
        try {
          await new Promise((r) => setImmediate(r));
          if (type === 'Test::Gate') await world.waitGate();
          if (typeof props.Fail === 'string') throw new Error(props.Fail);
          const id = `${type.split('::')[1]!.toLowerCase()}-${++world.n}`;
          world.things.set(id, { ...props });
          return { physicalId: id, attributes: { Arn: `arn:test:${id}`, Name: props.Name ?? id } };
        } finally {
          world.inFlight--;
        }
      },
      async update(ctx, physicalId, props) {
        world.log.push(`update ${ctx.logicalId}`);
        await new Promise((r) => setImmediate(r));
        if (typeof props.FailUpdate === 'string') throw new Error(props.FailUpdate);
        world.things.set(physicalId, { ...props });
        return { physicalId, attributes: { Arn: `arn:test:${physicalId}`, Name: props.Name ?? physicalId } };
      },
      async delete(ctx, physicalId, props) {
        world.log.push(`delete ${ctx.logicalId}`);
        await new Promise((r) => setImmediate(r));
        const now = world.things.get(physicalId);
        if (typeof now?.FailDelete === 'string') throw new Error(now.FailDelete);
        if (typeof props.FailDelete === 'string') throw new Error(props.FailDelete);
        world.things.delete(physicalId);
      },
    };
  }

  private waitGate(): Promise<void> {
    for (const w of this.gateWaiters.splice(0)) w();
    return new Promise((resolve) => this.gates.push(resolve));
  }

  /** Resolves once `count` gate creates are waiting (fails if that never happens). */
  async gateWaiting(count: number, timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.gates.length < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.gates.length} of ${count} creates started together`);
      await new Promise<void>((r) => { this.gateWaiters.push(r); setTimeout(r, 20); });
    }
  }

  openGates(): void {
    for (const g of this.gates.splice(0)) g();
  }
}

