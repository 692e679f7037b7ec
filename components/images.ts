// Builds the images the plan needs (.NET projects and Dockerfiles) for linux/arm64 on the
// machine that runs `pulumi up`, and pushes them to the stack's registry. The tag is a hash of
// the build's sources and settings, so an unchanged service keeps its image reference and its
// VM configuration does not change: redeploys touch only what changed.
import * as command from "@pulumi/command";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { valueToText, type Value } from "../src/manifest";
import type { DeploymentPlan, ServicePlan } from "../src/plan";
import { shellQuote } from "../src/render/cloud-init";

export interface ImageBuildsArgs {
  readonly plan: DeploymentPlan;
  /** Full repository URL (registry host + path) for each plan repository name. */
  readonly repositoryUrl: (repository: string) => pulumi.Input<string>;
  readonly registry: pulumi.Input<string>;
  readonly registryUser: pulumi.Input<string>;
  readonly registryPassword: pulumi.Input<string>;
  readonly parameters: Readonly<Record<string, pulumi.Output<string>>>;
}

export class ImageBuilds extends pulumi.ComponentResource {
  /** resource name -> pushed image reference, available once the push has finished. */
  readonly images: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: ImageBuildsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aspire-arm:index:ImageBuilds", name, {}, opts);
    const images: Record<string, pulumi.Output<string>> = {};
    const built = args.plan.vms.flatMap((vm) => vm.services).filter((s) => s.image.kind !== "pull");
    for (const s of built) {
      const tag = sourceTag(s);
      const ref = pulumi.interpolate`${args.repositoryUrl(repositoryOf(s))}:${tag}`;
      const secretEnv = buildSecretEnvironment(s, args.parameters);
      const build = new command.local.Command(
        `${name}-${s.name}`,
        {
          create: pulumi.all([ref, args.registry]).apply(([r, registry]) => buildScript(s, r, registry)),
          // A new tag means new sources or settings: build again.
          triggers: [tag],
          // A secret as a whole: the registry password and build secrets never show in previews or state in clear.
          environment: pulumi.secret(pulumi.all([args.registryUser, args.registryPassword, secretEnv]).apply(([user, password, secrets]) => ({ REGISTRY_USER: user, REGISTRY_PASSWORD: password, ...secrets }))),
          logging: "stderr",
        },
        { parent: this, additionalSecretOutputs: ["stdout"] },
      );
      images[s.resource] = pulumi.all([ref, build.stdout]).apply(([r]) => r);
    }
    this.images = images;
    this.registerOutputs({});
  }
}

function repositoryOf(s: ServicePlan): string {
  return s.image.kind === "pull" ? s.name : s.image.repository;
}

/** The shell script that logs in, checks the sources, builds for linux/arm64 and pushes. */
export function buildScript(s: ServicePlan, ref: string, registry: string): string {
  const login = `printf '%s' "$REGISTRY_PASSWORD" | docker login --username "$REGISTRY_USER" --password-stdin ${shellQuote(registry)}`;
  const [repository, tag] = [ref.slice(0, ref.lastIndexOf(":")), ref.slice(ref.lastIndexOf(":") + 1)];
  if (s.image.kind === "project") {
    const project = s.image.projectPath;
    return [
      "set -euo pipefail",
      `test -e ${shellQuote(project)} || { echo "aspire-arm: ${s.resource}: project ${project} not found: put the manifest in the AppHost folder next to the sources, or set aspire:images.${s.resource}" >&2; exit 1; }`,
      login,
      // The .NET SDK builds arm64 container images without emulation.
      `dotnet publish ${shellQuote(project)} -c Release --os linux --arch arm64 -t:PublishContainer -p:ContainerRegistry=${shellQuote(registry)} -p:ContainerRepository=${shellQuote(repository.slice(registry.length + 1))} -p:ContainerImageTag=${shellQuote(tag)}`,
      `echo ${shellQuote(ref)}`,
    ].join("\n");
  }
  if (s.image.kind !== "dockerfile") throw new Error(`${s.resource} is not built`);
  const b = s.image.build;
  const flags = ["--platform linux/arm64", `-f ${shellQuote(b.dockerfilePath)}`, `-t ${shellQuote(ref)}`, "--push"];
  if (b.stage) flags.push(`--target ${shellQuote(b.stage)}`);
  for (const [k, v] of Object.entries(s.image.args)) flags.push(v === null ? `--build-arg ${shellQuote(k)}` : `--build-arg ${shellQuote(`${k}=${plainText(v)}`)}`);
  for (const [id, sec] of Object.entries(s.image.secrets)) flags.push(sec.type === "env" ? `--secret ${shellQuote(`id=${id},env=${secretVariable(id)}`)}` : `--secret ${shellQuote(`id=${id},src=${sec.sourcePath}`)}`);
  return [
    "set -euo pipefail",
    `test -d ${shellQuote(b.contextPath)} || { echo "aspire-arm: ${s.resource}: build context ${b.contextPath} not found: publish the manifest next to its sources, or set aspire:images.${s.resource}" >&2; exit 1; }`,
    login,
    // On an x86 machine this needs QEMU binfmt (docker run --privileged --rm tonistiigi/binfmt --install arm64).
    `docker buildx build ${flags.join(" ")} ${shellQuote(b.contextPath)}`,
    `echo ${shellQuote(ref)}`,
  ].join("\n");
}

const secretVariable = (id: string) => `BUILD_SECRET_${id.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;

/** A build arg written into the command: only non-secret values (the plan warned about the others). */
function plainText(v: Value): string {
  return valueToText(v, (slot) => `\${${slot.parameter}}`);
}

/** BuildKit secrets reach the build through the command's environment, never its command line. */
function buildSecretEnvironment(s: ServicePlan, parameters: Readonly<Record<string, pulumi.Output<string>>>): pulumi.Output<Record<string, string>> {
  if (s.image.kind !== "dockerfile") return pulumi.output({} as Record<string, string>);
  const entries = Object.entries(s.image.secrets).flatMap(([id, sec]) => {
    if (sec.type !== "env") return [];
    const slots = sec.value.parts.filter((p) => typeof p !== "string").map((p) => (typeof p === "string" ? "" : p.parameter));
    return [pulumi.all(slots.map((n) => parameters[n] ?? pulumi.output(""))).apply((values) => [secretVariable(id), valueToText(sec.value, (slot) => values[slots.indexOf(slot.parameter)] ?? "")] as [string, string])];
  });
  return pulumi.secret(pulumi.all(entries).apply((pairs) => Object.fromEntries(pairs)));
}

/** A hash of what goes into the image: the source tree (without build output) and the settings. */
export function sourceTag(s: ServicePlan): string {
  const hash = crypto.createHash("sha256");
  if (s.image.kind === "project") hashTree(path.dirname(s.image.projectPath), hash);
  else if (s.image.kind === "dockerfile") {
    hashTree(s.image.build.contextPath, hash);
    hashFile(s.image.build.dockerfilePath, hash);
    hash.update(JSON.stringify({ stage: s.image.build.stage, args: s.image.args }));
  }
  return hash.digest("hex").slice(0, 16);
}

const SKIP = new Set(["bin", "obj", "node_modules", ".git", ".vs", ".idea"]);

function hashTree(root: string, hash: crypto.Hash, dir = root): void {
  if (!fs.existsSync(dir)) {
    // The build fails with a clear message at deploy time; the tag just has to be stable.
    hash.update(`missing:${dir}`);
    return;
  }
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (SKIP.has(entry.name)) continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) hashTree(root, hash, p);
    else if (entry.isFile()) {
      hash.update(`${path.relative(root, p)}\0`);
      hashFile(p, hash);
    }
  }
}

function hashFile(file: string, hash: crypto.Hash): void {
  if (fs.existsSync(file)) hash.update(fs.readFileSync(file));
}
