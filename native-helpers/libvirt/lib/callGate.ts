/**
 * The call gate: at most one ordinary RPC in flight per connection (opt-in: `openConnection(uri, {
 * serializeCalls: true })`).
 *
 * Why: libvirt 9.0's RPC client (Debian 12) segfaults when keepalive closes a connection while two or more
 * threads wait for replies on it. The thread holding the socket runs a GLib loop whose watch lives on its
 * stack; the keepalive close quits that loop from the event-loop thread, the watch stays attached to the
 * client's context, and the next waiting thread dispatches it (dangling pointer in virNetClientIOEventFD).
 * With a single waiter there is nothing left to dispatch the stale watch: the call fails cleanly. So calls on
 * a gated connection wait here, in JS, in FIFO order, rather than in libvirt's client: a hung host then also
 * holds one libuv pool thread instead of one per call.
 *
 * How: the native classes' prototype methods are not writable, so a gated object gets a prototype of its own
 * in front of the native one (same object, so the addon still unwraps it when it is passed back as an
 * argument). Objects that a gated object hands out (domains, pools, volumes, streams, snapshots, ...) are
 * gated by the same gate. Ungated connections and their objects are untouched.
 *
 * Lanes (documented in README.md, "Call gate"): LOCAL methods never reach the daemon and run at once;
 * LONG methods (minutes: migrations, save/restore, memory snapshots, volume allocation/wipe) bypass the queue
 * so that job control (getJobStats, abortJob, migrateStartPostCopy, ...) can run through it meanwhile;
 * everything else (any method not listed, including ones added later) is an ordinary gated call.
 */

/** Methods that only read or change local state: they never wait for the daemon. */
const LOCAL = new Set([
  'getName',
  'getUUIDString',
  'getID',
  'getKey',
  'getUsageID',
  'getUsageType',
  'free',
  'isAlive',
  'isClosed',
  'newStream',
  // Streams are VIR_STREAM_NONBLOCK: recv/send return at once (see stream.ts); callbacks are local.
  'recv',
  'send',
  'eventAddCallback',
  'eventUpdateCallback',
  'eventRemoveCallback',
]);

/**
 * Calls that can take minutes (their time grows with guest memory or disk size). They run beside the queue:
 * while one waits, a second waiter (an ordinary gated call) is possible, which is the residual risk.
 */
export const LONG_CALLS: ReadonlySet<string> = new Set([
  // Domain
  'migrateToURI3',
  'migrate3',
  'save',
  'managedSave',
  'snapshotCreateXML',
  'revertToSnapshot',
  // QEMU monitor commands: quick as a rule, but a checkpoint's background snapshot sends them while the guest
  // is paused (QMP migrate, query-migrate), where queuing behind the host's other calls would lengthen the pause.
  'qemuMonitorCommand',
  'qemuMonitorCommandWithFiles',
  // Connection
  'restore',
  // StoragePool / StorageVol
  'build',
  'createVolumeXML',
  'createVolumeXMLFrom',
  'wipe',
  'resize',
]);

/** A FIFO of asynchronous calls with at most one running. A failed call does not hold up the next. */
export class CallGate {
  #running = false;
  readonly #waiting: Array<() => void> = [];

  /** Calls waiting for their turn (not counting the running one). */
  get queued(): number {
    return this.#waiting.length;
  }

  /**
   * Runs `start` now when the gate is free (so its synchronous exceptions, e.g. a TypeError for a bad
   * argument, are thrown as without the gate), else once every call queued before it has settled.
   */
  run<T>(start: () => Promise<T>): Promise<T> {
    if (!this.#running) {
      this.#running = true;
      return this.#track(start);
    }
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push(() => {
        try {
          this.#track(start).then(resolve, reject);
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  #track<T>(start: () => Promise<T>): Promise<T> {
    let pending: Promise<T>;
    try {
      pending = Promise.resolve(start());
    } catch (error) {
      this.#release();
      throw error;
    }
    pending.then(
      () => this.#release(),
      () => this.#release(),
    );
    return pending;
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#running = false;
  }
}

const gates = new WeakMap<object, CallGate>();
const gatedPrototypes = new WeakMap<object, object>();

/** The gate `target` runs its calls through, if it belongs to a gated connection. */
export function gateOf(target: object): CallGate | undefined {
  return gates.get(target);
}

/** Makes every daemon call of `target` (a Connection or an object it handed out) go through `gate`. */
export function applyGate<T extends object>(target: T, gate: CallGate): T {
  if (gates.has(target)) return target;
  const native = Object.getPrototypeOf(target) as object | null;
  if (!native) return target;
  gates.set(target, gate);
  Object.setPrototypeOf(target, gatedPrototypeOf(native));
  return target;
}

function gatedPrototypeOf(native: object): object {
  let gated = gatedPrototypes.get(native);
  if (gated) return gated;
  gated = Object.create(native) as object;
  for (const name of Object.getOwnPropertyNames(native)) {
    // Descriptors, not reads: an accessor on a native prototype may throw when called on the prototype.
    const original = Object.getOwnPropertyDescriptor(native, name)?.value as unknown;
    if (name === 'constructor' || typeof original !== 'function') continue;
    Object.defineProperty(gated, name, { value: gatedMethod(name, original as Method) });
  }
  gatedPrototypes.set(native, gated);
  return gated;
}

type Method = (this: object, ...args: unknown[]) => unknown;

function gatedMethod(name: string, original: Method): Method {
  if (LOCAL.has(name) || name.startsWith('_')) {
    return function (this: object, ...args: unknown[]) {
      const gate = gates.get(this);
      const result = original.apply(this, args);
      return gate ? adopt(result, gate) : result;
    };
  }
  const long = LONG_CALLS.has(name);
  return function (this: object, ...args: unknown[]) {
    const gate = gates.get(this);
    if (!gate) return original.apply(this, args);
    // migrate3 hands out a domain of the destination connection: it takes that connection's gate, if any.
    const owner = name === 'migrate3' && typeof args[0] === 'object' && args[0] ? gates.get(args[0]) : gate;
    const call = () => Promise.resolve(original.apply(this, args)).then((r) => (owner ? adopt(r, owner) : r));
    return long ? call() : gate.run(call);
  };
}

/** Gates the native objects in a result (one object, or an array of them); plain values pass through. */
function adopt(result: unknown, gate: CallGate): unknown {
  if (Array.isArray(result)) {
    for (const item of result) adoptOne(item, gate);
  } else {
    adoptOne(result, gate);
  }
  return result;
}

function adoptOne(value: unknown, gate: CallGate): void {
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return;
  const proto = Object.getPrototypeOf(value) as object | null;
  // Native classes have their own prototype; results that are plain data (info records, stats) do not.
  if (proto === Object.prototype || proto === Array.prototype || proto === null) return;
  applyGate(value, gate);
}
