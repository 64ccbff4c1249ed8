/**
 * A real, private Secret Service for tests: its own D-Bus session bus and gnome-keyring-daemon (secrets
 * component, unlocked), in a temporary HOME so nothing touches the real user's keyrings. Processes are
 * stopped by the PIDs started here.
 *
 * The keychain library connects to the bus named by DBUS_SESSION_BUS_ADDRESS when it is used, so
 * `useInThisProcess()` must run before the first keychain call of the process (vitest runs each file in its
 * own child process, where setting process.env changes the real environment).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PrivateSecretService {
  /** The variables that point a process at this bus and home. */
  env: Record<string, string>;
  /** Points this process at the private bus (call before any keychain use). */
  useInThisProcess(): void;
  /** `secret-tool lookup` against this Secret Service; null when nothing is stored. */
  lookup(attributes: Record<string, string>): Promise<string | null>;
  stop(): Promise<void>;
}

export async function startSecretService(): Promise<PrivateSecretService> {
  const root = await mkdtemp(join(tmpdir(), 'tandem-keyring-'));
  const env: Record<string, string> = {
    HOME: join(root, 'home'),
    XDG_DATA_HOME: join(root, 'home', '.local', 'share'),
    XDG_CONFIG_HOME: join(root, 'home', '.config'),
    XDG_RUNTIME_DIR: join(root, 'run'),
  };
  for (const dir of Object.values(env)) await mkdir(dir, { recursive: true, mode: 0o700 });
  const children: ChildProcess[] = [];
  const stop = async () => {
    for (const child of children.reverse()) await terminate(child);
    await rm(root, { recursive: true, force: true });
  };
  try {
    const bus = spawn('dbus-daemon', ['--session', '--nofork', '--nopidfile', '--print-address=1'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(bus);
    env.DBUS_SESSION_BUS_ADDRESS = await firstLine(bus);

    const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    children.push(keyring);
    // --unlock reads the login keyring's password from stdin (a throwaway keyring in the temp HOME).
    keyring.stdin?.end('tandem-test-login');
    await waitForName(env, 'org.freedesktop.secrets');
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    env,
    useInThisProcess() {
      Object.assign(process.env, env);
    },
    async lookup(attributes) {
      const args = ['lookup', ...Object.entries(attributes).flat()];
      try {
        const { stdout } = await run('secret-tool', args, { env: { ...process.env, ...env } });
        return stdout;
      } catch (error) {
        // secret-tool exits 1 with no output when nothing matches.
        if ((error as { code?: number; stdout?: string }).code === 1 && !(error as { stdout?: string }).stdout) return null;
        throw error;
      }
    },
    stop,
  };
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const newline = text.indexOf('\n');
      if (newline < 0) return;
      child.stdout?.off('data', onData);
      resolve(text.slice(0, newline).trim());
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`dbus-daemon exited (${code}) before printing its address`)));
    child.once('error', reject);
  });
}

async function waitForName(env: Record<string, string>, name: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { stdout } = await run(
      'dbus-send',
      ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${name}`],
      { env: { ...process.env, ...env } },
    );
    if (/boolean true/.test(stdout)) return;
    if (Date.now() > deadline) throw new Error(`${name} did not appear on the private session bus within 10 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
