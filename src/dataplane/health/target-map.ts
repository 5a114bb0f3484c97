import type { TargetEntry } from '../../config/index.js';

/**
 * Values keyed by a registered target (id and port) without building a string key: the
 * request path asks for a target's status per request, so lookups must not allocate.
 */
export class TargetMap<V> {
  private readonly byId = new Map<string, Map<number, V>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(target: Pick<TargetEntry, 'id' | 'port'>): V | undefined {
    return this.byId.get(target.id)?.get(target.port);
  }

  set(target: Pick<TargetEntry, 'id' | 'port'>, value: V): void {
    let ports = this.byId.get(target.id);
    if (!ports) this.byId.set(target.id, (ports = new Map()));
    if (!ports.has(target.port)) this.count++;
    ports.set(target.port, value);
  }

  delete(target: Pick<TargetEntry, 'id' | 'port'>): boolean {
    const ports = this.byId.get(target.id);
    if (!ports?.delete(target.port)) return false;
    if (ports.size === 0) this.byId.delete(target.id);
    this.count--;
    return true;
  }

  *values(): IterableIterator<V> {
    for (const ports of this.byId.values()) yield* ports.values();
  }
}
