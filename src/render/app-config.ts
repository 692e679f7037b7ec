// The app config of one VM: everything that changes when the app changes (compose file, proxy
// config, units, env templates, the images of native apps, the names of the secrets to fetch). It lives in
// /etc/aspire-arm/app and is applied by apply.sh; the bootstrap never looks inside it.
import * as fs from "node:fs";
import {
  secretStoreName,
  secretVariable,
  type DeploymentPlan,
  type ServicePlan,
  type VmPlan,
} from "../plan";
import { renderCaddyfile } from "./caddyfile";
import { renderCompose } from "./compose";
import { imageReference, type RenderContext } from "./context";
import { renderNativeServices } from "./systemd";
import { volumeDirName } from "./volumes";

export interface ConfigFile {
  /** Relative to the app config folder. */
  readonly path: string;
  readonly content: string;
  /** Octal permissions, as cloud-init writes them. */
  readonly permissions: string;
  /** base64 for a file that is not UTF-8 text (a bind-mounted binary), which travels byte-exact. */
  readonly encoding?: "base64";
}

export function renderAppConfig(
  plan: DeploymentPlan,
  vm: VmPlan,
  ctx: RenderContext,
): ConfigFile[] {
  const files: ConfigFile[] = [];
  const add = (p: string, content: string | undefined, permissions = "0644") => {
    if (content !== undefined) files.push({ path: p, content, permissions });
  };
  add("compose.yaml", renderCompose(plan, vm, ctx));
  add("caddy/Caddyfile", renderCaddyfile(plan, vm));
  for (const n of renderNativeServices(vm)) {
    add(`units/${n.unitName}`, n.unit);
    add(`env/${n.envTemplateName}`, n.envTemplate);
  }
  // `<service> <image>` a line: apply.sh copies /app of the image (the project's container build,
  // or its --image / aspire:images override) into the folder the service's unit runs from.
  const native = vm.services.filter((s) => s.runAs === "native");
  if (native.length)
    add("native.list", native.map((s) => `${s.name} ${imageReference(plan, s, ctx)}\n`).join(""));
  if (vm.secrets.length)
    add(
      "secrets.list",
      "# store-name variable: fetched by fetch-secrets.py at boot and on every apply\n" +
        vm.secrets.map((p) => `${secretStoreName(p)} ${secretVariable(p)}\n`).join(""),
    );
  add("health.list", healthList(vm));
  if (vm.namedVolumes.length)
    add("volumes.list", vm.namedVolumes.map((v) => `${volumeDirName(v)}\n`).join(""));
  for (const s of vm.services)
    s.bindMounts.forEach((b, i) => files.push(...bindMountFiles(`files/${s.name}/${i}`, b.source)));
  return files;
}

/** What apply.sh's health gate checks after a release changes, one probe a line:
 *  `<service> <container|native> <http|tcp> <target port> [path]`. A service with a health check
 *  path (aspire:healthChecks) is probed by HTTP on that binding; any other with TCP bindings by a
 *  connect to each target port. The image's own HEALTHCHECK, where it has one, gates a container
 *  instead (apply.sh asks Docker). Services without a TCP binding are not listed. */
export function healthList(vm: VmPlan): string | undefined {
  const lines: string[] = [];
  for (const s of vm.services) {
    if (s.healthCheck) {
      lines.push(`${s.name} ${s.runAs} http ${s.healthCheck.port} ${s.healthCheck.path}\n`);
      continue;
    }
    const ports = [
      ...new Set(s.ports.filter((p) => p.protocol === "tcp").map((p) => p.targetPort)),
    ];
    for (const port of ports) lines.push(`${s.name} ${s.runAs} tcp ${port}\n`);
  }
  return lines.length
    ? "# service runs-as probe target-port [path]: the health gate of apply.sh\n" + lines.join("")
    : undefined;
}

/** The files of a bind mount the plan found (inside the source root, sizes bounded), read now.
 *  UTF-8 text is written as text; anything else as base64, so every byte arrives as it is. */
function bindMountFiles(
  dest: string,
  source: ServicePlan["bindMounts"][number]["source"],
): ConfigFile[] {
  if (source.kind === "missing") return [];
  return source.files.map((f) => {
    const bytes = fs.readFileSync(f.source);
    // The plan measured it: a file that grew since then is not copied past the plan's bound.
    if (bytes.length !== f.bytes)
      throw new Error(
        `${f.source} changed while the plan was made (${f.bytes} bytes, now ${bytes.length}): run the deployment again.`,
      );
    const text = bytes.toString("utf8");
    const exact = Buffer.from(text, "utf8").equals(bytes);
    return {
      path: f.path ? `${dest}/${f.path}` : dest,
      content: exact ? text : bytes.toString("base64"),
      permissions: f.executable ? "0755" : "0644",
      ...(exact ? {} : { encoding: "base64" as const }),
    };
  });
}
