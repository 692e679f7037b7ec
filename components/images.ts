// Builds the images the plan needs (.NET projects and Dockerfiles) for linux/arm64 on the
// machine that runs `pulumi up`, and pushes them to the stack's registry. The tag is a hash of
// the build's sources and settings, so an unchanged service keeps its image reference and its
// VM configuration does not change: redeploys touch only what changed. VMs run the pushed image by
// the digest of its arm64 manifest, read back from the registry (components/image-check.ts).
import * as command from "@pulumi/command";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { valueToText, type Value } from "../src/manifest";
import type { DeploymentPlan, ServicePlan } from "../src/plan";
import { emulationWarning } from "../src/plan/dockerfile-stages";
import { imageResolver, pinBuiltImage } from "./image-check";

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
  /** resource name -> pushed image at the digest of its arm64 manifest (`name@sha256:...`),
   *  available once the push has finished and the registry has confirmed linux/arm64. */
  readonly images: Readonly<Record<string, pulumi.Output<string>>>;
  /** Exists once every image built here is pushed and proven linux/arm64 (none without builds). */
  readonly checked?: pulumi.Resource;

  constructor(name: string, args: ImageBuildsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aspire-arm:index:ImageBuilds", name, {}, opts);
    const images: Record<string, pulumi.Output<string>> = {};
    const resolver = imageResolver();
    const built = args.plan.vms.flatMap((vm) => vm.services).filter((s) => s.image.kind !== "pull");
    for (const s of built) {
      const slow = emulationWarningOf(s);
      if (slow) pulumi.log.warn(slow, this);
      const tag = sourceTag(s);
      const ref = pulumi.interpolate`${args.repositoryUrl(repositoryOf(s))}:${tag}`;
      const secretEnv = buildSecretEnvironment(s, args.parameters);
      const values = pulumi
        .all([ref, args.registry])
        .apply(([r, registry]) => buildCommand(s, r, registry).environment);
      const build = new command.local.Command(
        `${name}-${s.name}`,
        {
          interpreter: [...BUILD_INTERPRETER],
          create: buildScript(s),
          // A new tag (new sources or settings) or a new plain value (image reference, registry,
          // build args' values): build again (the SDK replaces a Command when a trigger changes).
          triggers: [tag, values],
          // Any other change is of secret inputs only: the registry's credentials, new on every
          // deploy (an ECR token, a Google access token), or a build secret's value. The image of
          // these sources and settings is in the registry already under its content tag, so there
          // is nothing to build: without `update`, the provider would run `create` again, push a
          // new image under the same tag (.NET's config carries its build time: a new digest), and
          // every deploy would roll out every built service.
          update: ":",
          // A secret as a whole: the registry password and build secrets never show in previews or state in clear.
          environment: pulumi.secret(
            pulumi
              .all([values, args.registryUser, args.registryPassword, secretEnv])
              .apply(([v, user, password, secrets]) => ({
                ...v,
                REGISTRY_USER: user,
                REGISTRY_PASSWORD: password,
                ...secrets,
              })),
          ),
          logging: "stderr",
        },
        { parent: this, additionalSecretOutputs: ["stdout"] },
      );
      // The pushed tag, asked in the registry with the stack's credentials: the digest of its
      // linux/arm64 manifest, which the release names, so the release waits for the proof.
      images[s.resource] = pulumi
        .all([ref, build.stdout, args.registryUser, args.registryPassword])
        .apply(([r, , username, password]) =>
          pinBuiltImage(s.resource, r, resolver, { username, password }),
        );
    }
    this.images = images;
    // A resource that exists only once every build above is pushed and proven arm64: what VMs
    // that do not carry their release (AWS instances) wait for, so a failed proof creates no VM.
    // A Stash: state only, nothing in the cloud; a new digest updates it in place.
    this.checked = built.length
      ? new pulumi.Stash(`${name}-checked`, { input: pulumi.all(images) }, { parent: this })
      : undefined;
    this.registerOutputs({});
  }
}

/** The warning for a Dockerfile build whose target stage's RUN steps QEMU would run here. The
 *  Dockerfile is one the plan checked to be inside the app's source root (src/plan/sources.ts). */
function emulationWarningOf(s: ServicePlan): string | undefined {
  if (s.image.kind !== "dockerfile" || !fs.existsSync(s.image.build.dockerfilePath))
    return undefined;
  const text = fs.readFileSync(s.image.build.dockerfilePath, "utf8");
  return emulationWarning(s.resource, text, s.image.build.stage, process.arch);
}

function repositoryOf(s: ServicePlan): string {
  return s.image.kind === "pull" ? s.name : s.image.repository;
}

// How a build runs, and why it is safe with any manifest: the script is constant text for a given
// shape of build (project or Dockerfile, with or without a stage, how many build args and secrets),
// and every value from the manifest or the cloud reaches it as an environment variable that it
// only ever expands inside double quotes. So a name, path or build arg is one argument to docker or
// dotnet, whatever characters it holds, and never shell code. The script is POSIX sh: it runs the
// same under dash (/bin/sh on Debian and Ubuntu) and bash.

/** Explicit, so the script does not depend on @pulumi/command's default. */
export const BUILD_INTERPRETER: readonly string[] = ["/bin/sh", "-c"];

/** Exactly what the program gives @pulumi/command for a build, apart from the registry credentials and build secrets. */
export interface BuildCommand {
  readonly interpreter: readonly string[];
  readonly create: string;
  /** Non-secret values; the command also gets REGISTRY_USER, REGISTRY_PASSWORD and BUILD_SECRET_<n>. */
  readonly environment: Readonly<Record<string, string>>;
}

/** The command that logs in, checks the sources, builds `s` for linux/arm64 as image `ref` and pushes it. */
export function buildCommand(s: ServicePlan, ref: string, registry: string): BuildCommand {
  return {
    interpreter: BUILD_INTERPRETER,
    create: buildScript(s),
    environment: buildEnvironment(s, ref, registry),
  };
}

/** Logs in with the password on stdin only (never in argv, where `ps` shows it), then forgets it:
 *  nothing after the login needs it, and a build arg taken from the environment could copy it. */
const LOGIN = [
  `printf '%s' "$REGISTRY_PASSWORD" | docker login --username "$REGISTRY_USER" --password-stdin "$ASPIRE_REGISTRY"`,
  "unset REGISTRY_PASSWORD",
];

/** The build's stdout ends with the image reference: the program waits for it before a VM uses the image. */
const PRINT_IMAGE = `printf '%s\\n' "$ASPIRE_IMAGE"`;

/** The script text: it depends on the kind of build and on counts only, never on a value. */
export function buildScript(s: ServicePlan): string {
  if (s.image.kind === "project")
    return [
      "set -eu",
      notFound(
        "-e",
        "ASPIRE_PROJECT",
        "project %s not found: put the manifest in the AppHost folder next to the sources",
      ),
      ...LOGIN,
      // The .NET SDK builds arm64 container images without emulation.
      lines(
        'dotnet publish "$ASPIRE_PROJECT" -c Release --os linux --arch arm64 -t:PublishContainer',
        [
          '"-p:ContainerRegistry=$ASPIRE_REGISTRY"',
          '"-p:ContainerRepository=$ASPIRE_REPOSITORY"',
          '"-p:ContainerImageTag=$ASPIRE_TAG"',
        ],
      ),
      PRINT_IMAGE,
    ].join("\n");
  if (s.image.kind !== "dockerfile") throw new Error(`${s.resource} is not built`);
  const flags = ['--platform linux/arm64 -f "$ASPIRE_DOCKERFILE" -t "$ASPIRE_IMAGE" --push'];
  if (s.image.build.stage) flags.push('--target "$ASPIRE_STAGE"');
  Object.keys(s.image.args).forEach((_, i) => flags.push(`--build-arg "$ASPIRE_BUILD_ARG_${i}"`));
  Object.keys(s.image.secrets).forEach((_, i) => flags.push(`--secret "$ASPIRE_SECRET_${i}"`));
  return [
    "set -eu",
    notFound(
      "-d",
      "ASPIRE_CONTEXT",
      "build context %s not found: publish the manifest next to its sources",
    ),
    ...LOGIN,
    // On an x86 machine the target stage's RUN steps need QEMU binfmt (docker run --privileged --rm
    // tonistiigi/binfmt --install arm64), unless it is FROM --platform=$BUILDPLATFORM: the deploy
    // warns (emulationWarningOf).
    lines("docker buildx build", [...flags, '"$ASPIRE_CONTEXT"']),
    PRINT_IMAGE,
  ].join("\n");
}

/** Fails with a message naming the resource and the path, both printed as data by printf. */
function notFound(test: "-e" | "-d", variable: string, message: string): string {
  return `if [ ! ${test} "$${variable}" ]; then printf 'aspire-arm: %s: ${message}, or set aspire:images.%s\\n' "$ASPIRE_RESOURCE" "$${variable}" "$ASPIRE_RESOURCE" >&2; exit 1; fi`;
}

/** One command over several lines, for the deploy log. */
function lines(head: string, args: readonly string[]): string {
  return [head, ...args].join(" \\\n  ");
}

/** The values the script expands: everything that comes from the manifest or the cloud. */
function buildEnvironment(s: ServicePlan, ref: string, registry: string): Record<string, string> {
  const colon = ref.lastIndexOf(":");
  const env: Record<string, string> = {
    ASPIRE_RESOURCE: s.resource,
    ASPIRE_REGISTRY: registry,
    ASPIRE_IMAGE: ref,
  };
  if (s.image.kind === "project")
    // An absolute path never starts with "-", so no tool can read it as an option.
    return {
      ...env,
      ASPIRE_PROJECT: path.resolve(s.image.projectPath),
      ASPIRE_REPOSITORY: ref.slice(registry.length + 1, colon),
      ASPIRE_TAG: ref.slice(colon + 1),
    };
  if (s.image.kind !== "dockerfile") throw new Error(`${s.resource} is not built`);
  const b = s.image.build;
  env.ASPIRE_CONTEXT = path.resolve(b.contextPath);
  env.ASPIRE_DOCKERFILE = path.resolve(b.dockerfilePath);
  if (b.stage) env.ASPIRE_STAGE = b.stage;
  // null: `--build-arg NAME`, docker takes the value from its environment.
  Object.entries(s.image.args).forEach(
    ([name, v], i) =>
      (env[`ASPIRE_BUILD_ARG_${i}`] = v === null ? name : `${name}=${plainText(v)}`),
  );
  Object.entries(s.image.secrets).forEach(
    ([id, sec], i) =>
      (env[`ASPIRE_SECRET_${i}`] = secretSpec(
        id,
        sec.type === "env" ? ["env", secretVariable(i)] : ["src", path.resolve(sec.sourcePath)],
      )),
  );
  return env;
}

/** The variable an env build secret's value is in: named by position, so no id reaches the script or a variable name. */
const secretVariable = (index: number) => `BUILD_SECRET_${index}`;

/** A `--secret` value. BuildKit reads it as one CSV record, so a field with a comma, quote or
 *  line break is quoted: an id like `a,src=/etc/shadow` stays an id. */
function secretSpec(id: string, [key, value]: [string, string]): string {
  return [`id=${id}`, `${key}=${value}`]
    .map((f) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f))
    .join(",");
}

/** A build arg written into the command: only non-secret values (the plan warned about the others). */
function plainText(v: Value): string {
  return valueToText(v, (slot) => `\${${slot.parameter}}`);
}

/** BuildKit secrets reach the build through the command's environment, never its command line. */
function buildSecretEnvironment(
  s: ServicePlan,
  parameters: Readonly<Record<string, pulumi.Output<string>>>,
): pulumi.Output<Record<string, string>> {
  if (s.image.kind !== "dockerfile") return pulumi.output({} as Record<string, string>);
  const entries = Object.values(s.image.secrets).flatMap((sec, i) => {
    if (sec.type !== "env") return [];
    const slots = sec.value.parts
      .filter((p) => typeof p !== "string")
      .map((p) => (typeof p === "string" ? "" : p.parameter));
    return [
      pulumi
        .all(slots.map((n) => parameters[n] ?? pulumi.output("")))
        .apply(
          (values) =>
            [
              secretVariable(i),
              valueToText(sec.value, (slot) => values[slots.indexOf(slot.parameter)] ?? ""),
            ] as [string, string],
        ),
    ];
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
  for (const entry of fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))) {
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
