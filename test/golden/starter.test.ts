// Golden files of what a VM receives for the starter app (manifests/aspire-starter) on both clouds
// and both runtimes, taken from the real program (dist/index.js) run under Pulumi's mocks: the
// cloud-config as the VM decodes it, each file it writes (vm.env and the app config), the image
// build commands (script, interpreter, non-secret environment), and the resource tree. test/golden/README.md
// says what each file is; update them with
//   npx tsc -p tsconfig.json && ASPIRE_UPDATE_GOLDEN=1 node --test dist/test/golden/
// and commit them with the change, so that a review reads in the diff what the VMs will get.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import {
  runProgramWithMocks,
  type MockRun,
  type RecordedOptions,
  type RecordedResource,
} from "../../src/cli/mock-program";
import { keyInputs } from "../../src/cli/resource-tree";
import { VM_ENV_FILE } from "../../src/render";
import { releaseOf, userData, writtenFiles } from "../support/delivered";
import { maskMachinePaths, matchesGoldenFolder } from "../support/golden";
import { programFile, starterManifest } from "../support/paths";

const STACK = "dev";
/** The ready stacks' locations (Pulumi.dev.yaml, Pulumi.gcp-dev.yaml), with a project id for GCP. */
const CLOUDS = {
  aws: { "aspire:cloud": "aws", "aws:region": "us-east-1" },
  gcp: { "aspire:cloud": "gcp", "gcp:zone": "us-central1-a", "gcp:project": "demo-project" },
} as const;
const RUNTIMES = ["docker", "dotnet"] as const;

/** The mask of the image tags: a hash of each project's folder, and of its absolute path when the
 *  sources are absent (the starter's manifest comes without them), so it differs by checkout. */
const TAG_MASK = "<source-tag>";
const RELEASE_MASK = "<release-id>";
const DIGEST_MASK = "<digest-of-the-pushed-tag>";
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

for (const [cloud, location] of Object.entries(CLOUDS))
  for (const runtime of RUNTIMES)
    test(`starter on ${cloud}, runtime ${runtime}: what the VM receives matches test/golden/starter/${cloud}-${runtime}/`, async (t) => {
      const run = await runProgramWithMocks(programFile, STACK, {
        ...location,
        "aspire:runtime": runtime,
        "aspire:manifest": starterManifest,
      });
      const builds = buildCommands(run);
      const tags = builds.map((b) => b.environment.ASPIRE_TAG);
      assert.ok(
        tags.every((tag) => /^[0-9a-f]{16}$/.test(tag)),
        `image tags: ${tags.join(", ")}`,
      );
      const instances = run.resources.filter(
        (r) => r.type === "aws:ec2/instance:Instance" || r.type === "gcp:compute/instance:Instance",
      );
      assert.equal(instances.length, 1, "the starter runs on one VM");
      const cloudConfig = userData(instances[0]);
      const release = releaseOf(run, instances[0]);
      assert.match(release.id, /^[0-9a-f]{16}$/);
      // The release id is a hash of the app config, which holds the image tags: masked with them.
      // A built image runs as the digest the registry gives for its tag: masked with the tag.
      const builtNames = builds.map((b) => b.environment.ASPIRE_IMAGE.replace(/:[^:/]+$/, ""));
      const mask = (text: string) =>
        maskMachinePaths(
          [...tags.map((tag) => [tag, TAG_MASK]), [release.id, RELEASE_MASK]].reduce(
            (x, [from, to]) => x.split(from).join(to),
            builtNames.reduce(
              (x, name) =>
                x.replace(
                  new RegExp(`${escapeRegExp(name)}@sha256:[0-9a-f]{64}`, "g"),
                  `${name}@${DIGEST_MASK}`,
                ),
              text,
            ),
          ),
        );
      const files = new Map<string, string>([["user-data.yaml", cloudConfig]]);
      for (const f of writtenFiles(cloudConfig))
        if (f.path === VM_ENV_FILE) files.set("vm.env", f.content);
      // The release: the app config as apply.sh finds it in /etc/aspire-arm/app.
      for (const [file, text] of release.files) files.set(file, text);
      for (const b of builds)
        files.set(`build-${b.environment.ASPIRE_RESOURCE}.yaml`, buildText(b));
      files.set("resources.txt", resourcesText(run.resources));
      await matchesGoldenFolder(
        t,
        `starter/${cloud}-${runtime}`,
        new Map([...files].map(([name, text]) => [name, mask(text)])),
      );
    });

interface RecordedBuild {
  readonly interpreter: readonly string[];
  readonly create: string;
  readonly environment: Readonly<Record<string, string>>;
}

/** The image builds (command:local:Command) as the program gives them, environment unwrapped from its secret. */
function buildCommands(run: MockRun): RecordedBuild[] {
  return run.resources
    .filter((r) => r.type === "command:local:Command" && /ImageBuilds/.test(r.parent ?? ""))
    .map((r) => {
      const env = r.inputs.environment as Record<string, unknown>;
      const environment = (
        env[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig ? env.value : env
      ) as Record<string, string>;
      return {
        interpreter: r.inputs.interpreter as string[],
        create: String(r.inputs.create),
        environment,
      };
    })
    .sort((a, b) => a.environment.ASPIRE_RESOURCE.localeCompare(b.environment.ASPIRE_RESOURCE));
}

/** The variables of a build's environment that are secrets (components/images.ts): named, never written. */
const SECRET_BUILD_VARIABLES = /^(REGISTRY_USER|REGISTRY_PASSWORD|BUILD_SECRET_\d+)$/;

/** A build as buildCommand gives it (interpreter, create, the non-secret environment), in YAML:
 *  the script as a literal block, exactly, and the names of the secret variables. */
function buildText(b: RecordedBuild): string {
  const names = Object.keys(b.environment).sort();
  const secret = names.filter((n) => SECRET_BUILD_VARIABLES.test(n));
  const doc = {
    interpreter: b.interpreter,
    environment: Object.fromEntries(
      names.filter((n) => !secret.includes(n)).map((n) => [n, b.environment[n]]),
    ),
    secretEnvironment: secret,
    create: b.create,
  };
  return (
    `# The image build of ${b.environment.ASPIRE_RESOURCE}: the command the program gives @pulumi/command (components/images.ts buildCommand).\n` +
    yaml.dump(doc, { lineWidth: -1, noRefs: true })
  );
}

/** The resource tree: a child under its parent, siblings by type and name (registration order varies
 *  from run to run); key inputs as `aspire-arm plan` prints them, then the options not at their default. */
function resourcesText(resources: readonly RecordedResource[]): string {
  const id = (type: string, name: string) => `${type}::${name}`;
  const known = new Set(resources.map((r) => id(r.type, r.name)));
  // The mock's parent URN names the parent's own type last: urn:pulumi:<stack>::<project>::<types joined by $>::<name>.
  const parentOf = (r: RecordedResource) => {
    if (!r.parent) return "";
    const [, , types, name] = r.parent.split("::");
    const parent = id(types.split("$").pop() ?? "", name);
    return known.has(parent) ? parent : "";
  };
  const children = new Map<string, RecordedResource[]>();
  for (const r of resources) children.set(parentOf(r), [...(children.get(parentOf(r)) ?? []), r]);
  const lines = [
    `# What \`pulumi up\` would create for the starter, stack ${STACK}: the program under Pulumi's mocks (cloud lookups are placeholders in parentheses).`,
    "# A child under its parent; key inputs as `aspire-arm plan` prints them; {options} that are not the default.",
  ];
  const walk = (parent: string, depth: number) => {
    for (const r of [...(children.get(parent) ?? [])].sort(
      (a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name),
    )) {
      // The gzipped size varies with the image tags' digits: masked with them.
      const inputs = keyInputs(r.type, r.inputs).map((i) =>
        i.replace(/^userData=\d+ bytes gzip$/, "userData=<size> bytes gzip"),
      );
      const options = r.options ? optionsText(r.options) : "";
      lines.push(
        `${`${"  ".repeat(depth)}${r.type}`.padEnd(66)} ${r.name}${inputs.length ? `  ${inputs.join(" ")}` : ""}${options ? `  {${options}}` : ""}`,
      );
      walk(id(r.type, r.name), depth + 1);
    }
  };
  walk("", 0);
  return lines.join("\n") + "\n";
}

function optionsText(o: RecordedOptions): string {
  return [
    ...(o.protect ? ["protect"] : []),
    ...(o.retainOnDelete ? ["retainOnDelete"] : []),
    ...(o.deleteBeforeReplace ? ["deleteBeforeReplace"] : []),
    ...(o.ignoreChanges.length ? [`ignoreChanges=${o.ignoreChanges.join(",")}`] : []),
    ...(o.replaceOnChanges.length ? [`replaceOnChanges=${o.replaceOnChanges.join(",")}`] : []),
    ...(o.replacementTrigger !== undefined
      ? [`replacementTrigger=${JSON.stringify(o.replacementTrigger)}`]
      : []),
  ].join(" ");
}
