// The GCP rollout of one VM's release, run by `pulumi up` (a command.local.Command) on the
// deployer once the instance's metadata holds the new release: the VM's agent (gce-agent.py,
// long-polling its metadata server with wait_for_change) applies it, health-gated with rollback,
// and reports in its guest attribute aspire-arm/result: a first line `<release> <status>`
// (applying, ok, failed) and, on failure, the failing service's last log lines. This waits until
// that attribute names this release with ok or failed; failed exits 1 with the VM's words.
// API: https://cloud.google.com/compute/docs/reference/rest/v1/instances/getGuestAttributes;
// guest attributes: https://cloud.google.com/compute/docs/metadata/manage-guest-attributes (at
// most 10 queries a minute a VM: polled every 10 s).
import { GoogleAuth } from "google-auth-library";
import { poll, RolloutFailure, runMain, seconds, setting, tail, type Clock } from "./wait";

export const RESULT_NAMESPACE = "aspire-arm";
export const RESULT_KEY = "result";

export interface GceRollout {
  readonly project: string;
  readonly zone: string;
  readonly instance: string;
  readonly release: string;
  /** Seconds a new VM may take to boot and a VM to apply the release. */
  readonly timeout: number;
  readonly pollSeconds: number;
  /** The Compute API's root (a test points it at a fake server). */
  readonly api: string;
}

export function gceRolloutFromEnv(env: NodeJS.ProcessEnv): GceRollout {
  const r = {
    project: setting(env, "ASPIRE_GCP_PROJECT"),
    zone: setting(env, "ASPIRE_GCP_ZONE"),
    instance: setting(env, "ASPIRE_INSTANCE"),
    release: setting(env, "ASPIRE_RELEASE"),
    timeout: seconds(env, "ASPIRE_ROLLOUT_TIMEOUT", 2400),
    pollSeconds: Math.max(6, seconds(env, "ASPIRE_POLL_SECONDS", 10)),
    api: env.ASPIRE_COMPUTE_API || "https://compute.googleapis.com",
  };
  for (const [name, value] of [
    ["project", r.project],
    ["zone", r.zone],
    ["instance", r.instance],
  ] as const)
    if (!/^[a-z][a-z0-9.:-]{0,99}$/.test(value))
      throw new RolloutFailure(`bad ${name} ${JSON.stringify(value)}`);
  if (!/^[0-9a-f]{16,64}$/.test(r.release))
    throw new RolloutFailure(`bad release id ${JSON.stringify(r.release)}`);
  return r;
}

export interface Reported {
  readonly release: string;
  readonly status: string;
  readonly log: string;
}

/** The VM's report, from the value of its aspire-arm/result guest attribute. */
export function parseResult(value: string): Reported {
  const nl = value.indexOf("\n");
  const [release = "", status = ""] = (nl < 0 ? value : value.slice(0, nl)).trim().split(/\s+/);
  return { release, status, log: nl < 0 ? "" : value.slice(nl + 1) };
}

/** GETs a URL with the deployer's credentials; undefined for 404 (nothing reported yet). */
export type Fetch = (url: string) => Promise<unknown | undefined>;

/** The deployer's Application Default Credentials (gcloud's, a key file, or workload identity
 *  federation in CI), for the stack's project (given, so that no project lookup is made). */
export function googleFetch(project: string): Fetch {
  const auth = new GoogleAuth({
    scopes: ["https://www.googleapis.com/auth/cloud-platform"],
    projectId: project,
  });
  return async (url) => {
    const client = await auth.getClient();
    try {
      const res = await client.request({ url, method: "GET" });
      return res.data;
    } catch (e) {
      const status = (e as { status?: number; response?: { status?: number } }).response?.status;
      if (status === 404) return undefined;
      throw e;
    }
  };
}

export async function rollOutGce(r: GceRollout, get: Fetch, clock?: Clock): Promise<string> {
  const url =
    `${r.api}/compute/v1/projects/${r.project}/zones/${r.zone}/instances/${r.instance}` +
    `/getGuestAttributes?queryPath=${encodeURIComponent(`${RESULT_NAMESPACE}/${RESULT_KEY}`)}`;
  let seen: Reported | undefined;
  const report = await poll(
    async () => {
      const data = (await get(url)) as
        | {
            variableValue?: string;
            queryValue?: { items?: { namespace?: string; key?: string; value?: string }[] };
          }
        | undefined;
      const value =
        data?.variableValue ??
        data?.queryValue?.items?.find(
          (i) => i.namespace === RESULT_NAMESPACE && i.key === RESULT_KEY,
        )?.value;
      if (value === undefined) return undefined;
      seen = parseResult(value);
      return seen.release === r.release && (seen.status === "ok" || seen.status === "failed")
        ? seen
        : undefined;
    },
    {
      intervalMs: r.pollSeconds * 1000,
      timeoutMs: r.timeout * 1000,
      clock,
      onTimeout: () =>
        `VM ${r.instance} did not report release ${r.release} within ${r.timeout} s ` +
        (seen
          ? `(it last reported release ${seen.release}: ${seen.status})`
          : "(it reported nothing yet: check its serial console)"),
    },
  );
  if (report.status === "ok") return `VM ${r.instance}: release ${r.release} applied`;
  throw new RolloutFailure(`release ${r.release} of VM ${r.instance} failed:\n${tail(report.log)}`);
}

if (require.main === module)
  runMain("gcp", async () => {
    const r = gceRolloutFromEnv(process.env);
    return rollOutGce(r, googleFetch(r.project));
  });
