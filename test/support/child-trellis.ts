import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root, where `bin/trellis.mjs` lives. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A Trellis running as its own process, the way `trellis up` runs it for a user. */
export interface ChildTrellis {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** Everything the process printed so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Resolves with the exit code (or the signal) once the process is gone. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  /** SIGTERM, the graceful stop `trellis up` handles; resolves once the process is gone. */
  stop(): Promise<number | NodeJS.Signals | null>;
  /** SIGKILL: no handler runs, nothing is flushed by the process itself. */
  kill(): Promise<number | NodeJS.Signals | null>;
}

/**
 * Starts `node bin/trellis.mjs up --port 0 --data-dir <dir> …` and resolves once it prints
 * `listening on port N`. Crash tests need a real process: only then does SIGKILL take the
 * server down mid-request without any of our code getting a say.
 */
export function spawnTrellis(dataDir: string, extraArgs: readonly string[] = [], timeoutMs = 20_000): Promise<ChildTrellis> {
  const child = spawn(process.execPath, ['bin/trellis.mjs', 'up', '--port', '0', '--data-dir', dataDir, ...extraArgs], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let out = '';
  const exited = new Promise<number | NodeJS.Signals | null>((ok) => child.once('exit', (code, signal) => ok(code ?? signal)));
  const gone = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return new Promise<ChildTrellis>((ok, fail) => {
    const timer = setTimeout(() => {
      void gone('SIGKILL');
      fail(new Error(`trellis did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /listening on port (\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stdout?.on('data', (c: Buffer) => { out += c.toString('utf8'); });
      const port = Number(m[1]);
      ok({
        child, port, url: `http://127.0.0.1:${port}`, exited,
        output: () => out,
        stop: () => gone('SIGTERM'),
        kill: () => gone('SIGKILL'),
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => { out += c.toString('utf8'); });
    void exited.then((why) => {
      clearTimeout(timer);
      fail(new Error(`trellis exited (${String(why)}) before listening:\n${out}`));
    });
  });
}
