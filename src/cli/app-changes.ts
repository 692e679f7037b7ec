// What a change does to the app on a VM, in Aspire's terms: services added and removed, each
// service's image, env keys, ports; the VM's public endpoints and the secrets its services read
// (rotated when their version changes). Pure: it compares the per-service part of two `plan --json`
// documents (src/cli/compare-plans.ts reads them). Secret values never reach it: the plan holds
// secret names, their versions (a digest of the stack file's ciphertext) and env templates that
// name the VM variable a secret fills (`${ASPIRE_P_...}`), whose values are never shown either.

import { isObject, type JsonObject } from "../manifest/field-reader";

/** A service as `plan --json` describes it, as far as the comparison reads it. */
export interface PlannedService {
  readonly name: string;
  /** The image reference (a tag or a digest), or `project build -> REPO` for images built at deploy. */
  readonly image: string;
  /** The env as the VM's compose file or env template writes it. */
  readonly env: Readonly<Record<string, string>>;
  /** Env keys whose value holds a secret: shown by name only. */
  readonly secretEnv: readonly string[];
  readonly ports: readonly PlannedPort[];
}

export interface PlannedPort {
  readonly binding: string;
  readonly protocol: string;
  readonly targetPort: number;
  readonly hostPort?: number;
  readonly exposure: string;
}

export interface PlannedEndpoint {
  readonly service: string;
  readonly binding: string;
  readonly scheme: string;
  readonly port: number;
  readonly hostName?: string;
}

/** The app part of a VM in a `plan --json` document. */
export interface PlannedApp {
  readonly services: readonly PlannedService[];
  readonly publicEndpoints: readonly PlannedEndpoint[];
  /** The secret parameters the VM's services read. */
  readonly secrets: readonly string[];
  /** Their versions when the plan knows them (secrets set in the stack file): name -> version. */
  readonly secretVersions: Readonly<Record<string, string>>;
}

/** An env key added, removed or changed; values only when neither side holds a secret. */
export interface EnvChange {
  readonly key: string;
  readonly change: "added" | "removed" | "changed";
  /** True when a side's value holds a secret: no value is shown. */
  readonly secret: boolean;
  readonly before?: string;
  readonly after?: string;
}

export interface ServiceChange {
  readonly service: string;
  readonly image?: { readonly before: string; readonly after: string };
  readonly env: readonly EnvChange[];
  readonly portsOpened: readonly string[];
  readonly portsClosed: readonly string[];
}

export interface AppChanges {
  readonly servicesAdded: readonly string[];
  readonly servicesRemoved: readonly string[];
  readonly services: readonly ServiceChange[];
  readonly endpointsOpened: readonly string[];
  readonly endpointsClosed: readonly string[];
  readonly secretsRotated: readonly string[];
  readonly secretsAdded: readonly string[];
  readonly secretsRemoved: readonly string[];
}

const NO_APP: PlannedApp = { services: [], publicEndpoints: [], secrets: [], secretVersions: {} };

/** Compares the app of one VM in two plans; a VM only one plan has compares with an empty app. */
export function compareApps(
  before: PlannedApp | undefined,
  after: PlannedApp | undefined,
): AppChanges {
  const b = before ?? NO_APP;
  const a = after ?? NO_APP;
  const old = new Map(b.services.map((s) => [s.name, s]));
  const now = new Set(a.services.map((s) => s.name));
  const services: ServiceChange[] = [];
  for (const s of a.services) {
    const o = old.get(s.name);
    if (!o) continue;
    const change = compareService(o, s);
    if (change) services.push(change);
  }
  const [endpointsOpened, endpointsClosed] = setDiff(
    b.publicEndpoints.map(endpointText),
    a.publicEndpoints.map(endpointText),
  );
  const [secretsAdded, secretsRemoved] = setDiff(b.secrets, a.secrets);
  return {
    servicesAdded: a.services.filter((s) => !old.has(s.name)).map((s) => s.name),
    servicesRemoved: b.services.filter((s) => !now.has(s.name)).map((s) => s.name),
    services,
    endpointsOpened,
    endpointsClosed,
    // A secret both plans read whose version changed: rotated (`pulumi config set --secret`).
    secretsRotated: a.secrets.filter(
      (n) =>
        b.secrets.includes(n) &&
        b.secretVersions[n] !== undefined &&
        a.secretVersions[n] !== undefined &&
        b.secretVersions[n] !== a.secretVersions[n],
    ),
    secretsAdded,
    secretsRemoved,
  };
}

/** Whether anything of the app changed. */
export function appChanged(c: AppChanges): boolean {
  return (
    c.servicesAdded.length +
      c.servicesRemoved.length +
      c.services.length +
      c.endpointsOpened.length +
      c.endpointsClosed.length +
      c.secretsRotated.length +
      c.secretsAdded.length +
      c.secretsRemoved.length >
    0
  );
}

function compareService(b: PlannedService, a: PlannedService): ServiceChange | undefined {
  const env: EnvChange[] = [];
  const keys = [...new Set([...Object.keys(b.env), ...Object.keys(a.env)])];
  for (const key of keys) {
    const was = Object.prototype.hasOwnProperty.call(b.env, key) ? b.env[key] : undefined;
    const is = Object.prototype.hasOwnProperty.call(a.env, key) ? a.env[key] : undefined;
    if (was === is) continue;
    const secret = b.secretEnv.includes(key) || a.secretEnv.includes(key);
    const change = was === undefined ? "added" : is === undefined ? "removed" : "changed";
    env.push({
      key,
      change,
      secret,
      ...(secret || was === undefined ? {} : { before: was }),
      ...(secret || is === undefined ? {} : { after: is }),
    });
  }
  const [portsOpened, portsClosed] = setDiff(b.ports.map(portText), a.ports.map(portText));
  const image = b.image !== a.image ? { before: b.image, after: a.image } : undefined;
  if (!image && !env.length && !portsOpened.length && !portsClosed.length) return undefined;
  return { service: a.name, ...(image ? { image } : {}), env, portsOpened, portsClosed };
}

/** [in after only, in before only], each in its own order. */
function setDiff(before: readonly string[], after: readonly string[]): [string[], string[]] {
  return [after.filter((x) => !before.includes(x)), before.filter((x) => !after.includes(x))];
}

export function portText(p: PlannedPort): string {
  const host = p.hostPort !== undefined ? ` on host port ${p.hostPort}` : "";
  return `${p.binding} ${p.protocol}/${p.targetPort}${host}${p.exposure !== "none" ? ` (${p.exposure})` : ""}`;
}

export function endpointText(e: PlannedEndpoint): string {
  return `${e.scheme}://${e.hostName ?? "<public address>"}:${e.port} -> ${e.service} (${e.binding})`;
}

// ---------------------------------------------------------------------------------------------
// Reading the app part of a plan document

type Obj = JsonObject;
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
const stringMap = (v: unknown): Record<string, string> =>
  isObject(v)
    ? Object.fromEntries(
        Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string"),
      )
    : {};

/** The app part of a VM of a `plan --json` document; undefined for a plan written before it had
 *  one (its services have no secretEnv), which the comparison then leaves out. */
export function readPlannedApp(vm: Obj): PlannedApp | undefined {
  if (!Array.isArray(vm.services)) return undefined;
  const services: PlannedService[] = [];
  for (const s of vm.services) {
    if (!isObject(s) || typeof s.name !== "string" || !Array.isArray(s.secretEnv)) return undefined;
    services.push({
      name: s.name,
      image: typeof s.image === "string" ? s.image : "",
      env: stringMap(s.env),
      secretEnv: strings(s.secretEnv),
      ports: (Array.isArray(s.ports) ? s.ports : []).filter(isObject).map((p) => ({
        binding: String(p.binding),
        protocol: String(p.protocol),
        targetPort: Number(p.targetPort),
        ...(typeof p.hostPort === "number" ? { hostPort: p.hostPort } : {}),
        exposure: String(p.exposure),
      })),
    });
  }
  return {
    services,
    publicEndpoints: (Array.isArray(vm.publicEndpoints) ? vm.publicEndpoints : [])
      .filter(isObject)
      .map((e) => ({
        service: String(e.service),
        binding: String(e.binding),
        scheme: String(e.scheme),
        port: Number(e.port),
        ...(typeof e.hostName === "string" ? { hostName: e.hostName } : {}),
      })),
    secrets: strings(vm.secrets),
    secretVersions: stringMap(vm.secretVersions),
  };
}

// ---------------------------------------------------------------------------------------------
// As text: one line a change, the values of plain env keys only

const quoted = (v: string) => JSON.stringify(v);

/** An image reference as it is, or an image built at deploy (`project build -> REPO` in the plan)
 *  said as such: its digest is known only then. */
function imageText(image: string): string {
  const built = /^(project|dockerfile) build -> (.*)$/.exec(image);
  if (!built) return image;
  return `(built at deploy from its ${built[1] === "project" ? ".NET project" : "Dockerfile"}, pushed to ${built[2]})`;
}

export function envChangeText(e: EnvChange): string {
  if (e.secret) return `env ${e.key} ${e.change} (holds a secret: value not shown)`;
  if (e.change === "added") return `env ${e.key} added (${quoted(e.after ?? "")})`;
  if (e.change === "removed") return `env ${e.key} removed (was ${quoted(e.before ?? "")})`;
  return `env ${e.key} changed (${quoted(e.before ?? "")} -> ${quoted(e.after ?? "")})`;
}

/** One line a change, as `subject: what` pairs (the subject is a service, or the VM's endpoints
 *  and secrets). */
export function appChangeLines(c: AppChanges): [string, string][] {
  const lines: [string, string][] = [];
  for (const s of c.servicesAdded) lines.push([s, "new service"]);
  for (const s of c.servicesRemoved) lines.push([s, "service removed"]);
  for (const s of c.services) {
    if (s.image)
      lines.push([s.service, `image ${imageText(s.image.before)} -> ${imageText(s.image.after)}`]);
    for (const e of s.env) lines.push([s.service, envChangeText(e)]);
    for (const p of s.portsOpened) lines.push([s.service, `port opened: ${p}`]);
    for (const p of s.portsClosed) lines.push([s.service, `port closed: ${p}`]);
  }
  for (const e of c.endpointsOpened) lines.push(["public endpoint", `opened: ${e}`]);
  for (const e of c.endpointsClosed) lines.push(["public endpoint", `closed: ${e}`]);
  for (const s of c.secretsRotated) lines.push(["secret", `${s} rotated (a new version)`]);
  for (const s of c.secretsAdded) lines.push(["secret", `${s} now read on this VM`]);
  for (const s of c.secretsRemoved) lines.push(["secret", `${s} no longer read on this VM`]);
  return lines;
}
