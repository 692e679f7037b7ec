// The user data of one VM: a #cloud-config that writes the bootstrap (scripts, vm.env, the unit
// that applies the current release at boot), then runs bootstrap.sh. It depends only on the VM's
// shape (OS, runtime, secret and release sources, data disk, the stack's registry), never on the
// app: the app config comes as releases (src/render/bundle.ts), so app changes never replace a VM.
import * as yaml from "js-yaml";
import { DEFAULT_DOTNET_CHANNEL, secretPrefix, type DeploymentPlan, type VmPlan } from "../plan";
import { defaultReleaseSource } from "./context";
import type { RenderContext } from "./context";
import { APP_UNIT, DATA_DIR, LIB_DIR, RELEASE_BIN_DIR, VM_ENV_FILE } from "./vm-paths";
import { vmScript, type VmScript } from "./vm-scripts";

interface WriteFile {
  path: string;
  content: string;
  permissions: string;
  owner?: string;
}

/** The VM's own settings (vm.env), sourced by the scripts: names and values. No secret is one. */
export function vmEnvSettings(
  plan: DeploymentPlan,
  vm: VmPlan,
  ctx: RenderContext,
): [string, string][] {
  // Native services need Docker too: apply.sh copies each one's published app out of its
  // container image (native.list), which takes docker pull, create and cp.
  const needsDocker =
    vm.runtime === "docker" ||
    vm.proxy ||
    vm.services.some((s) => s.runAs === "container" || s.runAs === "native") ||
    plan.dashboard;
  const source = ctx.secretSource;
  const release = ctx.releaseSource ?? defaultReleaseSource(plan);
  const vars: [string, string][] = [
    ["ASPIRE_VM", vm.name],
    ["ASPIRE_STACK", plan.stack],
    ["ASPIRE_RUNTIME", vm.runtime],
    ["ASPIRE_NEEDS_DOCKER", needsDocker ? "1" : "0"],
    // The fallback channel of dotnet-runtimes.py (apply.sh), for an app with no runtimeconfig.json.
    ["ASPIRE_DOTNET_CHANNEL", ctx.dotnetChannel ?? DEFAULT_DOTNET_CHANNEL],
    ["ASPIRE_SECRET_SOURCE", source.kind],
    ["ASPIRE_SECRET_PREFIX", secretPrefix(plan.cloud, plan.stack)],
    ["ASPIRE_AWS_REGION", source.kind === "aws-ssm" ? source.region : ""],
    ["ASPIRE_GCP_PROJECT", source.kind === "gcp-secret-manager" ? (source.project ?? "") : ""],
    ["ASPIRE_SECRET_FILE", source.kind === "file" ? source.path : ""],
    // How releases arrive (rollout.sh): aws-s3 (Run Command), gce-metadata (gce-agent.py),
    // or file (a bundle on the VM, applied at boot: the emulated-VM tests').
    ["ASPIRE_RELEASE_SOURCE", release.kind],
    ["ASPIRE_RELEASE_FILE", release.kind === "file" ? release.path : ""],
    ["ASPIRE_DATA_DISK", vm.namedVolumes.length ? (ctx.dataDisks?.[vm.name] ?? "") : ""],
    ["ASPIRE_DATA_DIR", DATA_DIR],
    // The stack's registry, whether or not this release pulls from it: apply.sh logs in only when
    // the release names an image there, so a first built service does not change the user data.
    ["ASPIRE_REGISTRY", ctx.registry ?? ""],
  ];
  return vars;
}

/** vm.env as written on the VM: values are single-quoted shell words. */
export function renderVmEnv(plan: DeploymentPlan, vm: VmPlan, ctx: RenderContext): string {
  return vmEnvSettings(plan, vm, ctx)
    .map(([k, v]) => `${k}=${shellQuote(v)}\n`)
    .join("");
}

const APP_UNIT_TEXT = `# Applies the current release at boot: fetches secrets, starts containers and services. Written by aspire-arm.
[Unit]
Description=aspire-arm app
Wants=network-online.target
After=network-online.target docker.service
StartLimitIntervalSec=0
# Until the first release arrives, there is nothing to apply.
ConditionPathExists=${RELEASE_BIN_DIR}/apply.sh

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${RELEASE_BIN_DIR}/apply.sh
# The role's credentials and the registry may need a moment after boot.
Restart=on-failure
RestartSec=15

[Install]
WantedBy=multi-user.target
`;

/** GCP: the agent that applies the releases the instance metadata brings (gce-agent.py), after
 *  the bootstrap and for as long as the VM runs. */
export const AGENT_UNIT = "aspire-arm-agent.service";
const AGENT_UNIT_TEXT = `# Applies the releases that the instance metadata key aspire-arm-bundle brings. Written by aspire-arm.
[Unit]
Description=aspire-arm release agent
Wants=network-online.target
After=network-online.target ${APP_UNIT}

[Service]
ExecStart=${LIB_DIR}/gce-agent.py
Restart=always
RestartSec=10

[Install]
WantedBy=multi-user.target
`;

/**
 * The files of the bootstrap: vm.env, bootstrap.sh, the app unit, and what receives releases, for
 * this VM's release source only: rollout.sh (the entry point every delivery calls) and release.py
 * (checks and unpacks a bundle) always; cloud-http.py on AWS (rollout.sh s3 downloads the bundle
 * with it); gce-agent.py and its unit on GCP. What applies a release (rollout-apply.sh, apply.sh,
 * fetch-secrets.py, ...) comes with each release (src/render/user-data.ts releaseScripts): it
 * changes with aspire-arm, and an upgrade of it is then a rollout, never a new VM.
 */
export function renderBootstrapFiles(
  plan: DeploymentPlan,
  vm: VmPlan,
  ctx: RenderContext,
): WriteFile[] {
  const source = (ctx.releaseSource ?? defaultReleaseSource(plan)).kind;
  const receivers: VmScript[] = ["rollout.sh", "release.py"];
  if (source === "aws-s3") receivers.push("cloud-http.py");
  if (source === "gce-metadata") receivers.push("gce-agent.py");
  return [
    { path: VM_ENV_FILE, content: renderVmEnv(plan, vm, ctx), permissions: "0644" },
    { path: `${LIB_DIR}/bootstrap.sh`, content: vmScript("bootstrap.sh"), permissions: "0755" },
    ...receivers.map((name) => ({
      path: `${LIB_DIR}/${name}`,
      content: vmScript(name),
      permissions: "0755",
    })),
    { path: `/etc/systemd/system/${APP_UNIT}`, content: APP_UNIT_TEXT, permissions: "0644" },
    ...(source === "gce-metadata"
      ? [
          {
            path: `/etc/systemd/system/${AGENT_UNIT}`,
            content: AGENT_UNIT_TEXT,
            permissions: "0644",
          },
        ]
      : []),
  ];
}

/** The cloud-config text (before compression): the bootstrap, and no app config (that comes as a
 *  release, src/render/bundle.ts). */
export function renderCloudConfig(plan: DeploymentPlan, vm: VmPlan, ctx: RenderContext): string {
  const doc = {
    write_files: renderBootstrapFiles(plan, vm, ctx),
    runcmd: [[`${LIB_DIR}/bootstrap.sh`]],
  };
  return (
    `#cloud-config\n# VM ${vm.name} of stack ${plan.stack}, written by aspire-arm.\n` +
    // noArrayIndent: list items at their key's indentation (YAML allows a block sequence there), so
    // each line of the scripts has two spaces less: GCP sends the text as it is.
    yaml.dump(doc, { lineWidth: -1, noRefs: true, noArrayIndent: true })
  );
}

export function shellQuote(v: string): string {
  return `'${v.replace(/'/g, `'"'"'`)}'`;
}
