// The app config of one VM: everything that changes when the app changes (compose file, proxy
// config, units, env templates, the images of native apps, the names of the secrets to fetch). It lives in
// /etc/aspire-arm/app and is applied by apply.sh; the bootstrap never looks inside it.
import * as fs from "node:fs";
import * as path from "node:path";
import { diagnostic, type Diagnostic } from "../manifest";
import { secretStoreName, secretVariable, type DeploymentPlan, type VmPlan } from "../plan";
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
}

/** Bind-mount sources are copied with the app config; past this size they belong in an image. */
export const MAX_BIND_MOUNT_BYTES = 256 * 1024;

export function renderAppConfig(plan: DeploymentPlan, vm: VmPlan, ctx: RenderContext, warnings: Diagnostic[] = []): ConfigFile[] {
  const files: ConfigFile[] = [];
  const add = (p: string, content: string | undefined, permissions = "0644") => {
    if (content !== undefined) files.push({ path: p, content, permissions });
  };
  add("compose.yaml", renderCompose(plan, vm, ctx));
  add("Caddyfile", renderCaddyfile(plan, vm));
  for (const n of renderNativeServices(vm)) {
    add(`units/${n.unitName}`, n.unit);
    add(`env/${n.envTemplateName}`, n.envTemplate);
  }
  // `<service> <image>` a line: apply.sh copies /app of the image (the project's container build,
  // or its --image / aspire:images override) into the folder the service's unit runs from.
  const native = vm.services.filter((s) => s.runAs === "native");
  if (native.length) add("native.list", native.map((s) => `${s.name} ${imageReference(plan, s, ctx)}\n`).join(""));
  if (vm.secrets.length)
    add("secrets.list", "# store-name variable: fetched by fetch-secrets.py at boot and on every apply\n" + vm.secrets.map((p) => `${secretStoreName(p)} ${secretVariable(p)}\n`).join(""));
  if (vm.namedVolumes.length) add("volumes.list", vm.namedVolumes.map((v) => `${volumeDirName(v)}\n`).join(""));
  for (const s of vm.services) s.bindMounts.forEach((b, i) => files.push(...bindMountFiles(`files/${s.name}/${i}`, b.sourcePath, s.resource, i, warnings)));
  return files;
}

function bindMountFiles(dest: string, source: string, resource: string, index: number, warnings: Diagnostic[]): ConfigFile[] {
  const field = `bindMounts.${index}.source`;
  if (!fs.existsSync(source)) {
    warnings.push(diagnostic(resource, field, `bind mount source ${source} does not exist here, so the VM gets an empty folder. Publish the manifest next to its source tree, or bake the files into an image.`));
    return [];
  }
  const out: ConfigFile[] = [];
  let total = 0;
  const walk = (from: string, to: string) => {
    const stat = fs.statSync(from);
    if (stat.isDirectory()) for (const entry of fs.readdirSync(from).sort()) walk(path.join(from, entry), `${to}/${entry}`);
    else if (stat.isFile()) {
      total += stat.size;
      out.push({ path: to, content: fs.readFileSync(from, "utf8"), permissions: stat.mode & 0o111 ? "0755" : "0644" });
    }
  };
  walk(source, dest);
  if (total > MAX_BIND_MOUNT_BYTES) {
    warnings.push(diagnostic(resource, field, `bind mount source ${source} holds ${total} bytes, more than the ${MAX_BIND_MOUNT_BYTES} copied with the app config: bake these files into an image instead.`));
    return [];
  }
  return out;
}
