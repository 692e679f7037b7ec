// What both clouds' rollout waiters share: their settings from the environment (the Pulumi
// command passes them so, never on a command line), a polling loop with a deadline, and how a
// failure is told (the VM's own words, bounded, on stderr; exit 1 makes `pulumi up` fail).

export class RolloutFailure extends Error {}

/** A required setting of the waiter, from its environment. */
export function setting(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new RolloutFailure(`${name} is not set (it is set by the aspire-arm program)`);
  return value;
}

/** A number of seconds from the environment, or the default. */
export function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new RolloutFailure(`${name} must be a number of seconds`);
  return n;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Calls `step` every `intervalMs` until it returns a value, or fails with `onTimeout()`'s text
 *  once `timeoutMs` has passed. */
export async function poll<T>(
  step: () => Promise<T | undefined>,
  opts: { intervalMs: number; timeoutMs: number; onTimeout: () => string; clock?: Clock },
): Promise<T> {
  const clock = opts.clock ?? realClock;
  const deadline = clock.now() + opts.timeoutMs;
  for (;;) {
    const value = await step();
    if (value !== undefined) return value;
    if (clock.now() >= deadline) throw new RolloutFailure(opts.onTimeout());
    await clock.sleep(opts.intervalMs);
  }
}

/** The last `max` characters of a VM's output, whole lines where possible. */
export function tail(text: string, max = 6000): string {
  if (text.length <= max) return text;
  const cut = text.slice(text.length - max);
  const nl = cut.indexOf("\n");
  return `[...]\n${nl >= 0 && nl < 200 ? cut.slice(nl + 1) : cut}`;
}

/** Runs a waiter as a program: exit 0 with its summary, or 1 with the failure on stderr. */
export function runMain(what: string, body: () => Promise<string>): void {
  body().then(
    (summary) => {
      process.stdout.write(`${summary}\n`);
    },
    (e: unknown) => {
      const message = e instanceof Error ? e.message : String(e);
      process.stderr.write(`aspire-arm rollout (${what}): ${message}\n`);
      process.exitCode = 1;
    },
  );
}
