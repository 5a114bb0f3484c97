import type { Change, StackEvent } from '@aws-sdk/client-cloudformation';

/**
 * How `trellis deploy` and `trellis delete-stack` print a stack operation: one line per
 * event, oldest first, readable at a glance —
 *
 *   +0.12s  LatticeServiceNetwork      CREATE_COMPLETE       AWS::VpcLattice::ServiceNetwork  sn-0a1b…
 *   +0.31s  EC2TargetGroup             CREATE_FAILED         AWS::VpcLattice::TargetGroup     <reason>
 *
 * elapsed since the operation's first event (server time, so a clock skew between the
 * client and Trellis does not show), resource, status, type, then the reason or physical id.
 * Colours only on a terminal (and not with NO_COLOR).
 */
export class EventPrinter {
  private t0: number | undefined;
  private width = 24;
  /** The first resource that failed in this run, with its reason: what a verdict names. */
  firstFailure: string | undefined;

  constructor(private readonly out: NodeJS.WritableStream & { isTTY?: boolean }, private readonly color = useColor(out)) {}

  /** Widens the resource column to fit these names, so that every line of the run lines up. */
  reserve(names: readonly string[]): void {
    for (const n of names) this.width = Math.max(this.width, n.length);
  }

  print(e: StackEvent): void {
    const at = e.Timestamp?.getTime() ?? Date.now();
    this.t0 ??= at;
    const elapsed = `+${(Math.max(0, at - this.t0) / 1000).toFixed(2)}s`.padStart(8);
    const logical = e.LogicalResourceId ?? '';
    this.width = Math.max(this.width, logical.length);
    const status = e.ResourceStatus ?? '';
    if (status.endsWith('_FAILED') && this.firstFailure === undefined && e.ResourceType !== 'AWS::CloudFormation::Stack') {
      this.firstFailure = `${logical}: ${e.ResourceStatusReason ?? status}`;
    }
    const detail = e.ResourceStatusReason ?? (status.endsWith('_COMPLETE') && e.ResourceType !== 'AWS::CloudFormation::Stack' ? e.PhysicalResourceId ?? '' : '');
    const line = [
      this.paint('2', elapsed),
      logical.padEnd(this.width),
      this.paint(statusColor(status), status.padEnd(28)),
      this.paint('2', (e.ResourceType ?? '').padEnd(50)),
      status.endsWith('_FAILED') ? this.paint('31', detail) : detail,
    ].join('  ');
    this.out.write(`${line.trimEnd()}\n`);
  }

  /** A one-line verdict: `✔ stack CREATE_COMPLETE in 0.84s` or `✘ stack ROLLBACK_COMPLETE …`. */
  verdict(stackName: string, status: string, seconds: number, ok: boolean, reason?: string): void {
    const mark = ok ? this.paint('32', '✔') : this.paint('31', '✘');
    this.out.write(`${mark} ${stackName} ${this.paint(statusColor(status), status)} in ${seconds.toFixed(2)}s${reason ? ` — ${reason}` : ''}\n`);
  }

  /** The change set's plan, before it runs: `+ Add`, `~ Modify (replacement)`, `- Remove`. */
  changes(changes: readonly Change[]): void {
    for (const c of changes) {
      const r = c.ResourceChange;
      if (!r) continue;
      const sign = r.Action === 'Add' ? this.paint('32', '+') : r.Action === 'Remove' ? this.paint('31', '-') : this.paint('33', '~');
      const replacement = r.Action === 'Modify' && r.Replacement && r.Replacement !== 'False' ? this.paint('33', ` (replacement: ${r.Replacement})`) : '';
      this.out.write(`  ${sign} ${(r.LogicalResourceId ?? '').padEnd(this.width)}  ${this.paint('2', r.ResourceType ?? '')}${replacement}\n`);
    }
  }

  paint(code: string, text: string): string {
    return this.color ? `\u001b[${code}m${text}\u001b[0m` : text;
  }
}

function statusColor(status: string): string {
  if (status.endsWith('_FAILED') || status.startsWith('ROLLBACK') || status.includes('ROLLBACK_')) return '31';
  if (status.endsWith('_IN_PROGRESS')) return '33';
  if (status.endsWith('_COMPLETE')) return '32';
  return '0';
}

function useColor(out: { isTTY?: boolean }): boolean {
  return out.isTTY === true && !process.env.NO_COLOR;
}
