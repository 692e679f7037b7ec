// The Docker Compose file of one VM: every container service, the reverse proxy and, when enabled,
// the Aspire dashboard. Values go into `environment:` directly (YAML quoting is exact; compose
// env_file parsing is not), secrets as `${ASPIRE_P_*}` filled from apply.sh's environment.
//
// Restart policies differ by what a service is (restartPolicy below): servers come back after a
// crash, a Docker restart and a reboot; one-shot containers (migrations, seeders) stay done.
//
// Compose interpolates `$` in every string of the file, so the document is built from typed nodes
// whose text is literal, except the values that interpolated() wrote on purpose (ComposeVariable),
// and one pass doubles every literal `$` when the file is written. No text from the manifest can
// become an interpolation, wherever it lands. Mounts use the long syntax: a target is a field,
// never a `source:target` string to be split.
import * as yaml from "js-yaml";
import type { DeploymentPlan, ServicePlan, VmPlan } from "../plan";
import { HOST_GATEWAY } from "../plan";
import { imageReference, pinnedImage, type RenderContext } from "./context";
import { escapeDollar, interpolated } from "./interpolate";
import { VOLUMES_DIR } from "./vm-paths";
import { CADDY_IMAGE } from "./caddyfile";
import { volumeDirName } from "./volumes";

/** Text that is compose syntax already (`$$` for `$`, `${ASPIRE_P_*}` for secrets). */
export class ComposeVariable {
  constructor(readonly text: string) {}
}

/** A leaf of the compose document: literal text, or text that is interpolated on purpose. */
export type ComposeText = string | ComposeVariable;

export type ComposeMount =
  | {
      readonly type: "volume";
      readonly source?: string;
      readonly target: string;
      readonly read_only?: true;
    }
  | {
      readonly type: "bind";
      readonly source: string;
      readonly target: string;
      readonly read_only?: true;
      readonly bind: { readonly create_host_path: true };
    };

export interface ComposeServiceNode {
  readonly image: ComposeText;
  readonly entrypoint?: readonly ComposeText[];
  readonly command?: readonly ComposeText[];
  readonly environment?: Readonly<Record<string, ComposeText>>;
  readonly ports?: readonly string[];
  readonly volumes?: readonly (ComposeMount | string)[];
  readonly extra_hosts?: readonly string[];
  readonly depends_on?: readonly string[];
  readonly restart: RestartPolicy;
}

export type RestartPolicy = "unless-stopped" | "on-failure";

/** The restart policy of a service's container.
 *  - With at least one binding (a server: something connects to it), `unless-stopped`: Docker
 *    restarts it whatever its exit code, and starts it again when the daemon starts (a reboot),
 *    unless someone stopped it by hand.
 *  - With no binding (nothing can connect to it: a migration, a seeder, a queue worker),
 *    `on-failure`: restarted after a non-zero exit (a crash, a database not ready yet), left
 *    stopped after exit 0. Docker does not start these when the daemon starts ("It doesn't restart
 *    the container if the daemon restarts", https://docs.docker.com/engine/containers/start-containers-automatically/),
 *    but apply.sh runs `docker compose up -d` at every boot (aspire-arm-app.service) and every
 *    time a deploy changes the app config, and `up` starts every container of the project that is
 *    not running (docker/compose pkg/compose/convergence.go, startService): so a one-shot runs once
 *    per boot or app update, as it runs once per AppHost start under Aspire, and a worker comes
 *    back after a reboot. What this does not cover: a restart of the Docker daemon alone (a package
 *    upgrade) leaves such a worker stopped until the next boot or app update.
 *  `unless-stopped` for everything re-ran one-shots forever: each exit 0 was followed by a restart. */
export function restartPolicy(s: ServicePlan): RestartPolicy {
  return s.ports.length > 0 ? "unless-stopped" : "on-failure";
}

export interface ComposeDocument {
  readonly services: Readonly<Record<string, ComposeServiceNode>>;
  readonly volumes?: Readonly<
    Record<
      string,
      { readonly driver?: string; readonly driver_opts?: Readonly<Record<string, string>> }
    >
  >;
}

/** A node of the document as the written file reads back (a YAML parser's result: what tests and
 *  tools see), e.g. ComposeYaml<ComposeDocument>: each ComposeText is the string composeText()
 *  wrote, literal `$` doubled and interpolations kept; everything else as it is. */
export type ComposeYaml<T> = T extends ComposeVariable
  ? string
  : T extends string | number | boolean
    ? T
    : T extends readonly (infer U)[]
      ? readonly ComposeYaml<U>[]
      : { readonly [K in keyof T]: ComposeYaml<T[K]> };

export function renderCompose(
  plan: DeploymentPlan,
  vm: VmPlan,
  ctx: RenderContext,
): string | undefined {
  const doc = composeDocument(plan, vm, ctx);
  if (!doc) return undefined;
  return (
    `# Docker Compose file of VM ${vm.name}, stack ${plan.stack}. Written by aspire-arm: edits are replaced on the next deploy.\n` +
    yaml.dump(composeText(doc), { lineWidth: -1, noRefs: true, quotingType: '"' })
  );
}

export function composeDocument(
  plan: DeploymentPlan,
  vm: VmPlan,
  ctx: RenderContext,
): ComposeDocument | undefined {
  const containers = vm.services.filter((s) => s.runAs === "container");
  if (containers.length === 0 && !vm.proxy) return undefined;
  const services: Record<string, ComposeServiceNode> = {};
  const volumes: Record<string, NonNullable<ComposeDocument["volumes"]>[string]> = {};
  const nativeTargets = vm.services.some((s) => s.runAs === "native");

  for (const s of containers) {
    services[s.name] = containerService(plan, vm, s, ctx, nativeTargets);
    for (const v of s.volumes)
      if (v.name)
        volumes[v.name] = {
          driver: "local",
          driver_opts: {
            type: "none",
            o: "bind",
            device: `${VOLUMES_DIR}/${volumeDirName(v.name)}`,
          },
        };
  }
  if (vm.proxy) {
    const ports = [...new Set(vm.publicEndpoints.filter((e) => e.upstream).map((e) => e.port))];
    if (plan.domain) ports.push(80, 443);
    services.caddy = {
      image: pinnedImage(CADDY_IMAGE, ctx),
      restart: "unless-stopped",
      ports: [...new Set(ports)].sort((a, b) => a - b).map((p) => `${p}:${p}`),
      // The folder, not the file: a file bind mount keeps the inode it was started with, and
      // apply.sh replaces the app config's files whole before `caddy reload`.
      volumes: ["./caddy/:/etc/caddy/:ro", "caddy-data:/data", "caddy-config:/config"],
      depends_on: [
        ...new Set(
          vm.publicEndpoints
            .filter((e) => e.upstream && containers.some((c) => c.name === e.service))
            .map((e) => e.service),
        ),
      ],
      ...(nativeTargets ? { extra_hosts: [`${HOST_GATEWAY}:host-gateway`] } : {}),
    };
    volumes["caddy-data"] = {};
    volumes["caddy-config"] = {};
  }
  return Object.keys(volumes).length ? { services, volumes } : { services };
}

function containerService(
  plan: DeploymentPlan,
  vm: VmPlan,
  s: ServicePlan,
  ctx: RenderContext,
  nativeTargets: boolean,
): ComposeServiceNode {
  const ports = s.ports
    .filter((p) => p.hostPort !== undefined)
    .map(
      (p) =>
        `${p.exposure === "local" ? "127.0.0.1:" : ""}${p.hostPort}:${p.targetPort}${p.protocol === "udp" ? "/udp" : ""}`,
    );
  const readOnly = (ro: boolean) => (ro ? { read_only: true as const } : {});
  const mounts: ComposeMount[] = [
    ...s.volumes.map((v): ComposeMount => ({
      type: "volume",
      ...(v.name ? { source: v.name } : {}),
      target: v.target,
      ...readOnly(v.readOnly),
    })),
    // The folder is written with the app config; created empty when its source was not found.
    ...s.bindMounts.map((b, i): ComposeMount => ({
      type: "bind",
      source: `./files/${s.name}/${i}`,
      target: b.target,
      ...readOnly(b.readOnly),
      bind: { create_host_path: true },
    })),
  ];
  const deps = s.dependsOn.filter((d) =>
    vm.services.some((x) => x.name === d && x.runAs === "container"),
  );
  const variable = (v: Parameters<typeof interpolated>[0]) => new ComposeVariable(interpolated(v));
  return {
    image: imageReference(plan, s, ctx),
    ...(s.entrypoint !== undefined ? { entrypoint: [s.entrypoint] } : {}),
    // args stay an exec array, never re-quoted: `sh -c "<script>"` keeps its $VARS for the shell.
    ...(s.args.length ? { command: s.args.map(variable) } : {}),
    ...(Object.keys(s.env).length
      ? { environment: Object.fromEntries(Object.entries(s.env).map(([k, v]) => [k, variable(v)])) }
      : {}),
    ...(ports.length ? { ports } : {}),
    ...(mounts.length ? { volumes: mounts } : {}),
    // Other VMs resolve through the stack's private DNS zone; only the host itself needs a name here.
    ...(nativeTargets ? { extra_hosts: [`${HOST_GATEWAY}:host-gateway`] } : {}),
    ...(deps.length ? { depends_on: deps } : {}),
    restart: restartPolicy(s),
  };
}

/** The document as compose reads it: literal `$` doubled everywhere, interpolations kept. Keys
 *  are names checked by the manifest stage (services, env names, volumes), which hold no `$`. */
function composeText(node: unknown): unknown {
  if (node instanceof ComposeVariable) return node.text;
  if (typeof node === "string") return escapeDollar(node);
  if (Array.isArray(node)) return node.map(composeText);
  if (node !== null && typeof node === "object")
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => {
        if (k.includes("$"))
          throw new Error(
            `compose key ${JSON.stringify(k)} holds a $, which the manifest checks should have refused`,
          );
        return [k, composeText(v)];
      }),
    );
  return node;
}
