// The Google Cloud component under Pulumi's mocks: no credentials, no CLI. Every resource it asks
// for is recorded with its inputs and options (as the engine would receive them), and checked.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  GcpArmApp,
  GCP_DATA_DISK,
  IAP_RANGE,
  offeredMachineType,
} from "../../components/gcp/arm-app";
import {
  appNetworkTag,
  fitName,
  gcpLabels,
  serviceAccountId,
  vmNetworkTag,
} from "../../components/gcp/names";
import { ALLOW_PRIORITY, DENY_PRIORITY } from "../../components/gcp/firewall";
import { regionOf } from "../../components/gcp/network";
import type { ArmAppArgs } from "../../components/arm-app";
import type { NetworkOptions, SshOptions } from "../../src/config/stack-config";
import { loadManifest } from "../../src/manifest";
import { buildPlan, type PlanOptions } from "../../src/plan";
import {
  defaultNetworkRules,
  reach,
  ruleFromInputs,
  type FirewallRule,
  type Protocol,
  type Source,
} from "../support/gcp-firewall";
import { fixturesDir, starterManifest } from "../support/paths";
import { useImageResolver } from "../../components/image-check";
import { mockImageResolver } from "../../src/cli/mock-program";

// The component checks its built images in their registry once pushed: here, the mocks' stand-in.
useImageResolver(mockImageResolver);

const POSTGRES = path.join(fixturesDir, "gcp-postgres-volume.json");
/** web on VM front (public 80); catalog (tcp 8080) and statsd (udp 8125) on VM back, private. */
const TWO_VMS = path.join(fixturesDir, "gcp-two-vms.json");
const CANARIES: Record<string, string> = {
  "cache-password": "CANARY-cache-7f3a9c",
  "postgres-password": "CANARY-postgres-51d0e2",
  "api-key": "CANARY-apikey-c0ffee",
};
const NO_SSH: SshOptions = { enabled: false, cidrs: [] };

interface Recorded {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  readonly state: Record<string, any>;
  readonly urn: string;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly deleteBeforeReplace: boolean;
  readonly replaceOnChanges: string[];
  readonly dependencies: string[];
}

interface Deployment {
  readonly app: GcpArmApp;
  readonly resources: Recorded[];
  readonly invokes: { token: string; inputs: Record<string, any> }[];
  of(type: string): Recorded[];
  one(type: string, name: string): Recorded;
}

const T = {
  instance: "gcp:compute/instance:Instance",
  firewall: "gcp:compute/firewall:Firewall",
  disk: "gcp:compute/disk:Disk",
  network: "gcp:compute/network:Network",
  subnetwork: "gcp:compute/subnetwork:Subnetwork",
  account: "gcp:serviceaccount/account:Account",
  secret: "gcp:secretmanager/secret:Secret",
  secretVersion: "gcp:secretmanager/secretVersion:SecretVersion",
  secretIam: "gcp:secretmanager/secretIamMember:SecretIamMember",
  repository: "gcp:artifactregistry/repository:Repository",
  repositoryIam: "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
  zone: "gcp:dns/managedZone:ManagedZone",
  record: "gcp:dns/recordSet:RecordSet",
};

function value<V>(o: pulumi.Output<V>): Promise<V> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/** Provider-computed fields the component reads, as GCP would fill them. */
function computed(
  type: string,
  name: string,
  inputs: Record<string, any>,
  n: number,
): { id: string; state: Record<string, any> } {
  const self = (p: string) => `https://www.googleapis.com/compute/v1/${p}`;
  switch (type) {
    case T.instance:
      return {
        id: `projects/demo/zones/${inputs.zone}/instances/${name}`,
        state: {
          ...inputs,
          name,
          networkInterfaces: inputs.networkInterfaces.map((nic: any) => ({
            ...nic,
            networkIp: `10.128.0.${n}`,
            accessConfigs: (nic.accessConfigs ?? []).map((a: any) => ({
              ...a,
              natIp: `34.1.2.${n}`,
            })),
          })),
        },
      };
    case T.account:
      return {
        id: `projects/demo/serviceAccounts/${inputs.accountId}@demo.iam.gserviceaccount.com`,
        state: {
          ...inputs,
          email: `${inputs.accountId}@demo.iam.gserviceaccount.com`,
          member: `serviceAccount:${inputs.accountId}@demo.iam.gserviceaccount.com`,
        },
      };
    case T.secret:
      return {
        id: `projects/demo/secrets/${inputs.secretId}`,
        state: { ...inputs, project: "demo" },
      };
    case T.disk:
      return {
        id: `projects/demo/zones/${inputs.zone}/disks/${name}`,
        state: { ...inputs, selfLink: self(`projects/demo/zones/${inputs.zone}/disks/${name}`) },
      };
    case T.network:
      return {
        id: `projects/demo/global/networks/${name}`,
        state: { ...inputs, selfLink: self(`projects/demo/global/networks/${name}`) },
      };
    case T.subnetwork:
      return {
        id: `projects/demo/regions/${inputs.region}/subnetworks/${name}`,
        state: {
          ...inputs,
          selfLink: self(`projects/demo/regions/${inputs.region}/subnetworks/${name}`),
        },
      };
    case T.repository:
      return {
        id: `projects/demo/locations/${inputs.location}/repositories/${inputs.repositoryId}`,
        state: {
          ...inputs,
          name: inputs.repositoryId,
          project: "demo",
          registryUri: `${inputs.location}-docker.pkg.dev/demo/${inputs.repositoryId}`,
        },
      };
    case T.zone:
      return { id: `projects/demo/managedZones/${name}`, state: { ...inputs, name } };
    default:
      return { id: `${name}-id`, state: inputs };
  }
}

/** Plans a manifest for GCP stack "test" and runs the component on it under mocks. */
async function deploy(
  manifestFile: string,
  options: {
    plan?: Partial<PlanOptions>;
    ssh?: SshOptions;
    network?: NetworkOptions;
    protectData?: boolean;
  } = {},
): Promise<Deployment> {
  const resources: Recorded[] = [];
  const invokes: { token: string; inputs: Record<string, any> }[] = [];
  const pending = new Map<string, Omit<Recorded, "inputs" | "state" | "urn">>();
  let instances = 0;
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const n = args.type === T.instance ? ++instances : 0;
        const { id, state } = computed(args.type, args.name, args.inputs, n);
        const opts = pending.get(`${args.type}::${args.name}`);
        assert.ok(opts, `no options recorded for ${args.type}::${args.name}`);
        resources.push({ ...opts, inputs: args.inputs, state, urn: "" });
        return { id, state };
      },
      call: (args) => {
        invokes.push({ token: args.token, inputs: args.inputs });
        if (args.token === "gcp:organizations/getClientConfig:getClientConfig")
          return { project: "demo", region: "us-central1", zone: "us-central1-a", id: "demo" };
        if (args.token === "gcp:compute/getMachineTypes:getMachineTypes") {
          const name = /name = "([^"]+)"/.exec(args.inputs.filter)?.[1] ?? "";
          return {
            id: "x",
            project: "demo",
            zone: args.inputs.zone,
            filter: args.inputs.filter,
            machineTypes: [{ name, guestCpus: 1, memoryMb: 4096 }],
          };
        }
        throw new Error(`unexpected invoke ${args.token}`);
      },
    },
    "aspire",
    "test",
  );
  // The options of each registration, as the engine would receive them.
  const monitor = pulumi.runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    pending.set(`${req.getType()}::${req.getName()}`, {
      type: req.getType(),
      name: req.getName(),
      protect: req.getProtect(),
      retainOnDelete: req.getRetainondelete(),
      deleteBeforeReplace: req.getDeletebeforereplace(),
      replaceOnChanges: req.getReplaceonchangesList(),
      dependencies: req.getDependenciesList(),
    });
    return register(req, callback);
  };
  pulumi.runtime.setAllConfig({ "gcp:zone": "us-central1-a", "gcp:project": "demo" });

  const { manifest } = loadManifest(manifestFile);
  const { plan } = buildPlan(manifest, { cloud: "gcp", stack: "test", ...options.plan });
  const parameters = Object.fromEntries(
    plan.parameters.map((p) => [p.name, pulumi.secret(CANARIES[p.name] ?? `CANARY-${p.name}`)]),
  );
  const args: ArmAppArgs = {
    plan,
    parameters,
    ssh: options.ssh ?? NO_SSH,
    network: options.network ?? { kind: "default" },
    protectData: options.protectData ?? true,
    dotnetChannel: "8.0",
  };
  const app = new GcpArmApp("aspire", args);
  await value(app.endpoints);
  for (const vm of Object.values(app.vms))
    await Promise.all([value(vm.publicIp), value(vm.privateIp), value(vm.connect)]);
  // The DNS records wait for the instances' addresses: let every registration finish.
  let seen = -1;
  for (let quiet = 0; quiet < 5;) {
    await new Promise((r) => setTimeout(r, 10));
    quiet = resources.length === seen ? quiet + 1 : 0;
    seen = resources.length;
  }
  const of = (type: string) => resources.filter((r) => r.type === type);
  return {
    app,
    resources,
    invokes,
    of,
    one(type, name) {
      const found = of(type).filter((r) => r.name === name);
      assert.equal(
        found.length,
        1,
        `expected one ${type} named ${name}, got ${
          of(type)
            .map((r) => r.name)
            .join(", ") || "none"
        }`,
      );
      return found[0];
    },
  };
}

const SPLIT_CACHE: Partial<PlanOptions> = {
  vms: { data: { resources: ["cache"] }, app: { resources: ["apiservice", "webfrontend"] } },
};
const SPLIT_POSTGRES: Partial<PlanOptions> = {
  vms: { db: { resources: ["postgres"] }, app: { resources: ["api"] } },
};
/** The allow rules from anywhere (the deny-all ingress rule has that source too, and no allows). */
const publicRules = (d: Deployment) =>
  d
    .of(T.firewall)
    .filter((f) => f.inputs.allows && (f.inputs.sourceRanges ?? []).includes("0.0.0.0/0"));
const allowsPort = (f: Recorded, port: string) =>
  ((f.inputs.allows ?? []) as { ports?: string[] }[]).some((a) => (a.ports ?? []).includes(port));

test("the starter gets one arm64 Ubuntu T2A instance on pd-balanced, Shielded VM with vTPM and integrity monitoring", async () => {
  const d = await deploy(starterManifest);
  const instances = d.of(T.instance);
  assert.equal(instances.length, 1);
  const vm = d.one(T.instance, "aspire-app").inputs;
  assert.equal(vm.machineType, "t2a-standard-1");
  assert.equal(vm.zone, "us-central1-a");
  assert.deepEqual(vm.bootDisk.initializeParams.image, "ubuntu-os-cloud/ubuntu-2404-lts-arm64");
  assert.equal(vm.bootDisk.initializeParams.type, "pd-balanced");
  assert.equal(vm.bootDisk.initializeParams.architecture, "ARM64");
  assert.equal(vm.bootDisk.initializeParams.size, 20);
  assert.deepEqual(vm.shieldedInstanceConfig, {
    enableSecureBoot: false,
    enableVtpm: true,
    enableIntegrityMonitoring: true,
  });
  assert.equal(vm.allowStoppingForUpdate, true);
  assert.deepEqual(vm.networkInterfaces, [{ network: "default", accessConfigs: [{}] }]);
  assert.deepEqual(vm.tags, ["aspire-arm-test", "aspire-arm-test--app"]);
  for (const [k, v] of Object.entries(vm.labels as Record<string, string>)) {
    assert.match(k, /^[a-z][a-z0-9_-]{0,62}$/);
    assert.match(v, /^[a-z0-9_-]{0,63}$/);
  }
  assert.equal(vm.labels["aspire-arm-vm"], "app");
  // Its own service account, with every scope: IAM decides what it may do.
  const account = d.one(T.account, "aspire-app").inputs;
  assert.ok(account.accountId.length >= 6 && account.accountId.length <= 30);
  assert.deepEqual(vm.serviceAccount, {
    email: `${account.accountId}@demo.iam.gserviceaccount.com`,
    scopes: ["cloud-platform"],
  });
});

test("user data is the plain #cloud-config, reads secrets from Secret Manager, and carries no secret value", async () => {
  const d = await deploy(starterManifest);
  const { metadata } = d.one(T.instance, "aspire-app").inputs;
  const userData: string = metadata["user-data"];
  assert.ok(userData.startsWith("#cloud-config"), userData.slice(0, 40));
  assert.equal(metadata["user-data-encoding"], undefined);
  assert.ok(
    !userData.includes(CANARIES["cache-password"]),
    "the cache password is in the user data",
  );
  assert.match(userData, /ASPIRE_SECRET_SOURCE='gcp-secret-manager'/);
  assert.match(userData, /ASPIRE_GCP_PROJECT='demo'/);
  assert.equal(metadata["enable-oslogin"], "TRUE");
  assert.equal(metadata["ssh-keys"], undefined);
  // The value goes to Secret Manager only, under the stack's prefix.
  const secret = d.one(T.secret, "aspire-cache-password").inputs;
  assert.equal(secret.secretId, "aspire-arm-test--cache-password");
  assert.match(secret.secretId, /^[a-zA-Z0-9_-]{1,255}$/);
  assert.deepEqual(secret.replication, { auto: {} });
  const version = d.one(T.secretVersion, "aspire-cache-password").inputs;
  assert.equal(version.secret, "projects/demo/secrets/aspire-arm-test--cache-password");
  // A Pulumi secret all the way: encrypted in the state, masked in diffs.
  assert.equal(version.secretData[pulumi.runtime.specialSigKey], pulumi.runtime.specialSecretSig);
  assert.equal(version.secretData.value, CANARIES["cache-password"]);
  for (const r of d.resources)
    if (r.type !== T.secretVersion)
      assert.ok(
        !JSON.stringify(r.inputs).includes("CANARY-"),
        `${r.type} ${r.name} holds a secret value`,
      );
});

test("the starter opens only port 80 to the internet, and no SSH unless enabled", async () => {
  const d = await deploy(starterManifest);
  const open = publicRules(d);
  assert.equal(open.length, 1);
  assert.deepEqual(open[0].inputs.allows, [{ protocol: "tcp", ports: ["80"] }]);
  assert.deepEqual(open[0].inputs.targetTags, ["aspire-arm-test--app"]);
  assert.equal(open[0].inputs.direction, "INGRESS");
  assert.equal(open[0].inputs.network, "default");
  for (const f of d.of(T.firewall)) assert.ok(!allowsPort(f, "22"), `${f.name} opens port 22`);
  assert.deepEqual(
    d
      .of(T.firewall)
      .map((f) => f.name)
      .sort(),
    ["aspire-app-public", "aspire-deny-ingress"],
    "one VM without private ports: its public rule and the deny",
  );
});

test("SSH, when enabled, is open to the configured ranges and IAP only, on the app's VMs", async () => {
  const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnly demo@example";
  const d = await deploy(starterManifest, {
    ssh: { enabled: true, cidrs: ["203.0.113.7/32"], publicKey: key },
  });
  const ssh = d.of(T.firewall).filter((f) => allowsPort(f, "22"));
  assert.equal(ssh.length, 1);
  assert.deepEqual(ssh[0].inputs.allows, [{ protocol: "tcp", ports: ["22"] }]);
  assert.deepEqual(ssh[0].inputs.sourceRanges, ["203.0.113.7/32", IAP_RANGE]);
  assert.deepEqual(ssh[0].inputs.targetTags, [appNetworkTag("test")]);
  // Still nothing but 80 from anywhere.
  for (const f of publicRules(d))
    assert.deepEqual(f.inputs.allows, [{ protocol: "tcp", ports: ["80"] }]);
  // OS Login would ignore a metadata key: with a key of its own the VM takes it instead.
  const { metadata } = d.one(T.instance, "aspire-app").inputs;
  assert.equal(metadata["ssh-keys"], `ubuntu:${key}`);
  assert.equal(metadata["enable-oslogin"], "FALSE");
  assert.equal(metadata["block-project-ssh-keys"], "TRUE");

  const noKey = await deploy(starterManifest, {
    ssh: { enabled: true, cidrs: ["203.0.113.7/32"] },
  });
  const md = noKey.one(T.instance, "aspire-app").inputs.metadata;
  assert.equal(md["enable-oslogin"], "TRUE");
  assert.equal(md["ssh-keys"], undefined);
});

test("C4A takes Hyperdisk Balanced, for the boot disk and the data disk", async () => {
  const starter = await deploy(starterManifest, { plan: { instanceType: "c4a-standard-4" } });
  const vm = starter.one(T.instance, "aspire-app").inputs;
  assert.equal(vm.machineType, "c4a-standard-4");
  assert.equal(vm.bootDisk.initializeParams.type, "hyperdisk-balanced");
  const pg = await deploy(POSTGRES, { plan: { instanceType: "c4a-standard-4" } });
  assert.equal(pg.one(T.disk, "aspire-app-data").inputs.type, "hyperdisk-balanced");
});

/** Whether a resource waits for the gcp.projects.Service that enables `api` (its URN ends with the service's name). */
const waitsFor = (r: Recorded, api: string) =>
  r.dependencies.some((u) => u.endsWith(`gcp:projects/service:Service::aspire-api-${api}`));

test("a fresh project works: the APIs the stack calls are enabled first, never disabled on destroy, and each resource waits for its own", async () => {
  const d = await deploy(POSTGRES, { network: { kind: "create", cidr: "10.42.0.0/16" } });
  const services = d.of("gcp:projects/service:Service");
  assert.deepEqual(
    services.map((x) => [x.name, x.inputs.service, x.inputs.project, x.inputs.disableOnDestroy]),
    [
      ["aspire-api-compute", "compute.googleapis.com", "demo", false],
      ["aspire-api-iam", "iam.googleapis.com", "demo", false],
      ["aspire-api-dns", "dns.googleapis.com", "demo", false],
      ["aspire-api-secretmanager", "secretmanager.googleapis.com", "demo", false],
      ["aspire-api-artifactregistry", "artifactregistry.googleapis.com", "demo", false],
    ],
  );
  const needs: Record<string, string[]> = {
    [T.network]: ["compute"],
    [T.firewall]: ["compute"],
    [T.disk]: ["compute"],
    [T.instance]: ["compute"],
    [T.account]: ["iam"],
    [T.secret]: ["secretmanager"],
    [T.repository]: ["artifactregistry"],
    [T.zone]: ["dns", "compute"],
  };
  for (const [type, apis] of Object.entries(needs)) {
    assert.ok(d.of(type).length > 0, `no ${type} to check`);
    for (const r of d.of(type))
      for (const api of apis)
        assert.ok(
          waitsFor(r, api),
          `${type} ${r.name} does not wait for the ${api} API: ${r.dependencies.join(", ")}`,
        );
  }
  // The rest reach the API through a resource that waits for it (a version through its secret,
  // a record through its zone, a subnetwork through its network, IAM bindings through both ends).
  for (const r of d.of(T.secretVersion))
    assert.ok(r.dependencies.some((u) => u.includes("secretmanager/secret:Secret::")));
  for (const r of d.of(T.record))
    assert.ok(r.dependencies.some((u) => u.includes("dns/managedZone:ManagedZone::")));
  for (const r of d.of(T.subnetwork))
    assert.ok(r.dependencies.some((u) => u.includes("compute/network:Network::")));
});

test("Secret Manager and Artifact Registry are enabled only for an app with secrets or built images", async () => {
  const d = await deploy(TWO_VMS);
  assert.equal(d.of(T.secret).length + d.of(T.repository).length, 0);
  assert.deepEqual(
    d.of("gcp:projects/service:Service").map((x) => x.inputs.service),
    ["compute.googleapis.com", "iam.googleapis.com", "dns.googleapis.com"],
  );
});

/**
 * The Google provider's check of a boot disk's image against the config (hashicorp/terraform-provider-google,
 * google/services/compute/resource_compute_disk.go, DiskImageDiffSuppress with diskImageFamilyEquals and
 * suppressCanonicalFamilyDiff, and image.go's canonicalUbuntuLtsImage), for the `{project}/{family}` form
 * the component uses: the state holds the image the disk was made from, and a family in the config
 * matches it when the image belongs to the family. `image` is ForceNew, so without this match every
 * new image in the family would replace the VM. Ported for the parts a `{project}/{family}` of
 * ubuntu-os-cloud reaches.
 */
function familyMatchesImage(config: string, stateImage: string): boolean {
  const [project, family] = config.split("/");
  const m =
    /^https:\/\/www\.googleapis\.com\/compute\/[a-z0-9]+\/projects\/([^/]+)\/global\/images\/([-_a-zA-Z0-9]+)$/.exec(
      stateImage,
    );
  if (!m || m[1] !== project) return false;
  const image = m[2];
  if (image === family) return true;
  if (!image.includes("-arm64") && image.includes(family.replace(/-amd64$/, "")))
    return image.includes("-amd64") ? family.endsWith("-amd64") : !family.endsWith("-amd64");
  if (image.includes(family.replace(/-arm64$/, "")))
    return image.includes("-arm64") ? family.endsWith("-arm64") : !family.endsWith("-arm64");
  const parts = /^ubuntu-(minimal-)?([0-9]+)(?:.*(arm64))?.*$/.exec(image);
  return (
    !!parts &&
    family ===
      (parts[3]
        ? `ubuntu-${parts[1] ?? ""}${parts[2]}-lts-${parts[3]}`
        : `ubuntu-${parts[1] ?? ""}${parts[2]}-lts`)
  );
}

test("the boot image is a family: a newer image in it leaves the VM alone (the provider matches family and image), another OS does not", async () => {
  const d = await deploy(starterManifest);
  const image = d.one(T.instance, "aspire-app").inputs.bootDisk.initializeParams.image as string;
  assert.equal(image, "ubuntu-os-cloud/ubuntu-2404-lts-arm64");
  const link = (name: string) =>
    `https://www.googleapis.com/compute/v1/projects/ubuntu-os-cloud/global/images/${name}`;
  // Today's and tomorrow's images of the family: no diff, no replacement.
  assert.equal(familyMatchesImage(image, link("ubuntu-2404-noble-arm64-v20250130")), true);
  assert.equal(familyMatchesImage(image, link("ubuntu-2404-noble-arm64-v20271231")), true);
  // Another family's image is a real change: the x86 image, or the next LTS.
  assert.equal(familyMatchesImage(image, link("ubuntu-2404-noble-amd64-v20250130")), false);
  assert.equal(familyMatchesImage(image, link("ubuntu-2604-resolute-arm64-v20260430")), false);
});

test("the machine type is checked against the zone's offer, with a RunError naming the VM and the zone", async () => {
  const d = await deploy(starterManifest, { plan: { instanceType: "t2a-standard-2" } });
  assert.deepEqual(
    d.invokes
      .filter((i) => i.token === "gcp:compute/getMachineTypes:getMachineTypes")
      .map((i) => i.inputs),
    [{ zone: "us-central1-a", filter: 'name = "t2a-standard-2"' }],
  );
  assert.equal(
    offeredMachineType({ name: "app", instanceType: "t2a-standard-2" }, "us-central1-a", [
      "t2a-standard-2",
    ]),
    "t2a-standard-2",
  );
  assert.throws(
    () => offeredMachineType({ name: "app", instanceType: "t2a-standard-2" }, "us-east1-b", []),
    (e: unknown) => {
      assert.ok(e instanceof pulumi.RunError, `expected a RunError, got ${String(e)}`);
      assert.match(
        (e as Error).message,
        /VM app: machine type t2a-standard-2 is not offered in zone us-east1-b/,
      );
      return true;
    },
  );
});

test("with the cache on its own VM, 6379 is open to the app's VMs only, by network tag", async () => {
  const d = await deploy(starterManifest, { plan: SPLIT_CACHE });
  assert.equal(d.of(T.instance).length, 2);
  const priv = d.one(T.firewall, "aspire-data-private").inputs;
  assert.deepEqual(priv.allows, [{ protocol: "tcp", ports: ["6379"] }]);
  assert.deepEqual(priv.sourceTags, ["aspire-arm-test"]);
  assert.deepEqual(priv.targetTags, ["aspire-arm-test--data"]);
  assert.equal(priv.sourceRanges, undefined);
  // The data VM has no public endpoint; the app VM only 80.
  assert.deepEqual(
    publicRules(d).map((f) => f.name),
    ["aspire-app-public"],
  );
  assert.deepEqual(d.one(T.firewall, "aspire-app-public").inputs.allows, [
    { protocol: "tcp", ports: ["80"] },
  ]);
  // Both VMs carry the app tag that the private rule admits.
  for (const i of d.of(T.instance)) assert.ok(i.inputs.tags.includes("aspire-arm-test"));
  // The starter has no named volume: no data disk anywhere.
  assert.equal(d.of(T.disk).length, 0);
  for (const i of d.of(T.instance)) assert.deepEqual(i.inputs.attachedDisks, []);
});

test("one A record per VM in the private zone, pointing at its private address", async () => {
  const d = await deploy(starterManifest, { plan: SPLIT_CACHE });
  const zone = d.one(T.zone, "aspire-private").inputs;
  assert.equal(zone.dnsName, "test.aspire.internal.");
  assert.equal(zone.visibility, "private");
  assert.deepEqual(zone.privateVisibilityConfig, {
    networks: [{ networkUrl: "projects/demo/global/networks/default" }],
  });
  const records = d.of(T.record);
  assert.equal(records.length, 2);
  for (const vm of ["app", "data"]) {
    const r = d.one(T.record, `aspire-${vm}`).inputs;
    const instance = d.one(T.instance, `aspire-${vm}`).state;
    assert.equal(r.name, `${vm}.test.aspire.internal.`);
    assert.equal(r.type, "A");
    assert.equal(r.managedZone, "aspire-private");
    assert.deepEqual(r.rrdatas, [instance.networkInterfaces[0].networkIp]);
  }
});

test("outputs: endpoint URLs from the public IPs, and each VM's addresses and IAP command", async () => {
  const d = await deploy(starterManifest, { plan: SPLIT_CACHE });
  const app = d.one(T.instance, "aspire-app").state.networkInterfaces[0];
  assert.deepEqual(await value(d.app.endpoints), {
    "webfrontend/http": `http://${app.accessConfigs[0].natIp}`,
  });
  assert.equal(await value(d.app.vms.app.publicIp), app.accessConfigs[0].natIp);
  assert.equal(await value(d.app.vms.app.privateIp), app.networkIp);
  assert.equal(
    await value(d.app.vms.data.connect),
    "SSH is off: set aspire:ssh to {enabled: true, cidrs: [...]} (Google's IAP range is then allowed too), then: gcloud compute ssh aspire-data --zone us-central1-a --project demo --tunnel-through-iap",
  );
  assert.equal(d.app.dashboardUrl, undefined);
});

test("the Artifact Registry repository exists for built images, and only VMs that run them may read it", async () => {
  const d = await deploy(starterManifest, { plan: SPLIT_CACHE });
  const repo = d.one(T.repository, "aspire-images").inputs;
  assert.equal(repo.repositoryId, "aspire-arm-test");
  assert.equal(repo.format, "DOCKER");
  assert.equal(repo.location, "us-central1");
  const readers = d.of(T.repositoryIam);
  assert.equal(readers.length, 1);
  assert.equal(readers[0].inputs.role, "roles/artifactregistry.reader");
  assert.equal(readers[0].inputs.repository, "aspire-arm-test");
  assert.equal(readers[0].inputs.location, "us-central1");
  assert.equal(
    readers[0].inputs.member,
    `serviceAccount:${d.one(T.account, "aspire-app").inputs.accountId}@demo.iam.gserviceaccount.com`,
  );
  assert.match(
    d.one(T.instance, "aspire-app").inputs.metadata["user-data"],
    /ASPIRE_REGISTRY='us-central1-docker\.pkg\.dev'/,
  );
  assert.equal(
    await value(d.app.registryUri as pulumi.Output<string>),
    "us-central1-docker.pkg.dev/demo/aspire-arm-test",
  );

  // Only published images: no repository at all.
  const pulls = await deploy(starterManifest, {
    plan: { images: { apiservice: "ghcr.io/example/api:1", webfrontend: "ghcr.io/example/web:1" } },
  });
  assert.equal(pulls.of(T.repository).length, 0);
  assert.equal(pulls.of(T.repositoryIam).length, 0);
});

test("each VM's service account reads its own secrets only, and the instance waits for them", async () => {
  const d = await deploy(POSTGRES, { plan: SPLIT_POSTGRES });
  assert.deepEqual(
    d
      .of(T.secret)
      .map((s) => s.inputs.secretId)
      .sort(),
    ["aspire-arm-test--api-key", "aspire-arm-test--postgres-password"],
  );
  const member = (vm: string) =>
    `serviceAccount:${d.one(T.account, `aspire-${vm}`).inputs.accountId}@demo.iam.gserviceaccount.com`;
  const readable = (vm: string) =>
    d
      .of(T.secretIam)
      .filter((g) => g.inputs.member === member(vm))
      .map((g) => {
        assert.equal(g.inputs.role, "roles/secretmanager.secretAccessor");
        return g.inputs.secretId;
      })
      .sort();
  assert.deepEqual(readable("db"), ["projects/demo/secrets/aspire-arm-test--postgres-password"]);
  assert.deepEqual(readable("app"), [
    "projects/demo/secrets/aspire-arm-test--api-key",
    "projects/demo/secrets/aspire-arm-test--postgres-password",
  ]);
  assert.equal(d.of(T.secretIam).length, 3);
  const accountIds = d.of(T.account).map((a) => a.inputs.accountId);
  assert.equal(new Set(accountIds).size, 2);
  for (const id of accountIds) assert.match(id, /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/);
  // The db instance depends on its secret's value and its grant, not on the app's.
  const deps = d.one(T.instance, "aspire-db").dependencies;
  assert.ok(
    deps.some((u) =>
      u.endsWith("gcp:secretmanager/secretVersion:SecretVersion::aspire-postgres-password"),
    ),
    deps.join("\n"),
  );
  assert.ok(
    deps.some((u) =>
      u.endsWith("gcp:secretmanager/secretIamMember:SecretIamMember::aspire-db-postgres-password"),
    ),
    deps.join("\n"),
  );
  assert.ok(!deps.some((u) => u.includes("api-key")), deps.join("\n"));
  assert.ok(
    d
      .one(T.instance, "aspire-app")
      .dependencies.some((u) => u.endsWith("SecretIamMember::aspire-app-api-key")),
  );
});

test("named volumes get a protected data disk, attached as google-data; the starter gets none", async () => {
  const d = await deploy(POSTGRES, { plan: SPLIT_POSTGRES });
  const disks = d.of(T.disk);
  assert.equal(disks.length, 1);
  const disk = d.one(T.disk, "aspire-db-data");
  assert.deepEqual(disk.inputs, {
    zone: "us-central1-a",
    type: "pd-balanced",
    size: 20,
    labels: { "aspire-arm-stack": "test", "managed-by": "aspire-arm", "aspire-arm-vm": "db" },
  });
  assert.equal(disk.protect, true);
  assert.equal(disk.retainOnDelete, true);
  const db = d.one(T.instance, "aspire-db");
  assert.deepEqual(db.inputs.attachedDisks, [
    { source: disk.state.selfLink, deviceName: "data", mode: "READ_WRITE" },
  ]);
  assert.equal(
    db.deleteBeforeReplace,
    true,
    "a read-write disk attaches to one instance at a time",
  );
  assert.deepEqual(db.replaceOnChanges, ['metadata["user-data"]']);
  assert.match(db.inputs.metadata["user-data"], new RegExp(`ASPIRE_DATA_DISK='${GCP_DATA_DISK}'`));
  assert.equal(GCP_DATA_DISK, "/dev/disk/by-id/google-data");
  assert.deepEqual(d.one(T.instance, "aspire-app").inputs.attachedDisks, []);
  assert.match(d.one(T.instance, "aspire-app").inputs.metadata["user-data"], /ASPIRE_DATA_DISK=''/);
  // A private rule for postgres, from the app's VMs.
  assert.deepEqual(d.one(T.firewall, "aspire-db-private").inputs.allows, [
    { protocol: "tcp", ports: ["5432"] },
  ]);

  const unprotected = await deploy(POSTGRES, { protectData: false });
  const u = unprotected.one(T.disk, "aspire-app-data");
  assert.equal(u.protect, false);
  assert.equal(u.retainOnDelete, false);
});

test("resizing the VM leaves the data disk's inputs as they were, so Pulumi keeps it", async () => {
  const small = await deploy(POSTGRES, { plan: { instanceType: "t2a-standard-1" } });
  const large = await deploy(POSTGRES, { plan: { instanceType: "t2a-standard-2" } });
  assert.equal(small.one(T.instance, "aspire-app").inputs.machineType, "t2a-standard-1");
  assert.equal(large.one(T.instance, "aspire-app").inputs.machineType, "t2a-standard-2");
  assert.deepEqual(
    large.one(T.disk, "aspire-app-data").inputs,
    small.one(T.disk, "aspire-app-data").inputs,
  );
  // The boot disk and user data do not change either: the resize is a stop/start (allowStoppingForUpdate).
  assert.deepEqual(
    large.one(T.instance, "aspire-app").inputs.bootDisk,
    small.one(T.instance, "aspire-app").inputs.bootDisk,
  );
  assert.equal(
    large.one(T.instance, "aspire-app").inputs.metadata["user-data"],
    small.one(T.instance, "aspire-app").inputs.metadata["user-data"],
  );
});

test("aspire:network create makes a custom-mode VPC and a subnetwork in the zone's region", async () => {
  const d = await deploy(starterManifest, { network: { kind: "create", cidr: "10.42.0.0/16" } });
  assert.equal(d.one(T.network, "aspire-vpc").inputs.autoCreateSubnetworks, false);
  const subnet = d.one(T.subnetwork, "aspire-subnet");
  assert.equal(subnet.inputs.region, "us-central1");
  assert.equal(subnet.inputs.ipCidrRange, "10.42.0.0/16");
  assert.equal(subnet.inputs.network, "projects/demo/global/networks/aspire-vpc");
  const nic = d.one(T.instance, "aspire-app").inputs.networkInterfaces[0];
  assert.equal(
    nic.network,
    "https://www.googleapis.com/compute/v1/projects/demo/global/networks/aspire-vpc",
  );
  assert.equal(
    nic.subnetwork,
    "https://www.googleapis.com/compute/v1/projects/demo/regions/us-central1/subnetworks/aspire-subnet",
  );
  for (const f of d.of(T.firewall)) assert.equal(f.inputs.network, nic.network);
  assert.deepEqual(d.one(T.zone, "aspire-private").inputs.privateVisibilityConfig.networks, [
    { networkUrl: "projects/demo/global/networks/aspire-vpc" },
  ]);
});

test("an existing network and subnetwork are used by name, and nothing is created for them", async () => {
  const d = await deploy(starterManifest, {
    network: { kind: "existing", subnetIds: [], network: "my-vpc", subnetwork: "my-subnet" },
  });
  assert.equal(d.of(T.network).length, 0);
  assert.equal(d.of(T.subnetwork).length, 0);
  assert.deepEqual(d.one(T.instance, "aspire-app").inputs.networkInterfaces, [
    { network: "my-vpc", subnetwork: "my-subnet", accessConfigs: [{}] },
  ]);
  assert.deepEqual(d.one(T.zone, "aspire-private").inputs.privateVisibilityConfig.networks, [
    { networkUrl: "projects/demo/global/networks/my-vpc" },
  ]);
});

test("names: regions from zones, tags and account ids within GCP's limits and unique", () => {
  assert.equal(regionOf("us-central1-a"), "us-central1");
  assert.equal(regionOf("europe-west4-b"), "europe-west4");
  const long = "a-very-long-stack-name-that-goes-on-and-on-and-on-x";
  const tag = vmNetworkTag(long, "another-rather-long-virtual-machine-name-for-tests");
  assert.ok(tag.length <= 63, tag);
  assert.match(tag, /^[a-z]([-a-z0-9]*[a-z0-9])?$/);
  const ids = [
    serviceAccountId(long, "vm-one"),
    serviceAccountId(long, "vm-two"),
    serviceAccountId("test", "app"),
  ];
  for (const id of ids) assert.match(id, /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, id);
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(serviceAccountId("test", "app"), "aspire-test--app");
  // A dash in a stack or VM name cannot make two stacks' tags meet.
  assert.notEqual(vmNetworkTag("a", "b-c"), vmNetworkTag("a-b", "c"));
  assert.notEqual(vmNetworkTag("a", "b"), appNetworkTag("a-b"));
  assert.equal(fitName("short", 30), "short");
  assert.deepEqual(gcpLabels({ "Aspire-Stack": "Dev.Env", "1x": "y" }), {
    "aspire-stack": "dev-env",
    "l-1x": "y",
  });
});

test("with the dashboard on, its port is public, its URL an output, and its login token a secret of the VM", async () => {
  const d = await deploy(starterManifest, { plan: { dashboard: true } });
  const open = publicRules(d);
  assert.equal(open.length, 1);
  assert.deepEqual(open[0].inputs.allows, [{ protocol: "tcp", ports: ["80", "18888"] }]);
  const ip = d.one(T.instance, "aspire-app").state.networkInterfaces[0].accessConfigs[0].natIp;
  assert.equal(await value(d.app.dashboardUrl as pulumi.Output<string>), `http://${ip}:18888`);
  assert.deepEqual(await value(d.app.endpoints), { "webfrontend/http": `http://${ip}` });
  assert.deepEqual(
    d
      .of(T.secret)
      .map((s) => s.inputs.secretId)
      .sort(),
    ["aspire-arm-test--aspire-dashboard-token", "aspire-arm-test--cache-password"],
  );
  assert.equal(d.of(T.secretIam).length, 2);
});

// --- The effective exposure: the app's rules among the network's own ---------------------------

const SPLIT_TWO: Partial<PlanOptions> = {
  vms: { front: { resources: ["web"] }, back: { resources: ["catalog", "statsd"] } },
};
const SSH_ON: SshOptions = { enabled: true, cidrs: ["198.51.100.0/24"] };
const INTERNET: Source = { ip: "203.0.113.9" };
const SSH_CLIENT: Source = { ip: "198.51.100.7" };
const IAP_CLIENT: Source = { ip: "35.235.240.17" };
/** Another VM of the same network, not the app's: an internal address, none of the app's tags. */
const FOREIGN_VM: Source = { ip: "10.128.0.200", tags: ["some-other-app"] };

interface Probe {
  readonly from: string;
  readonly source: Source;
  readonly to: string;
  readonly protocol: Protocol;
  readonly port?: number;
  readonly allowed: boolean;
}

/** Every probe's verdict under the stack's firewalls plus `networkRules`, as `from -> vm proto/port: verdict (rule)` lines. */
function exposure(
  d: Deployment,
  networkRules: readonly FirewallRule[],
  probes: readonly Probe[],
  without?: string,
): { lines: string[]; wrong: string[] } {
  const rules = [
    ...d
      .of(T.firewall)
      .filter((f) => f.name !== without)
      .map((f) => ruleFromInputs(f.name, f.inputs)),
    ...networkRules,
  ];
  const lines: string[] = [];
  const wrong: string[] = [];
  for (const p of probes) {
    const vm = d.one(T.instance, `aspire-${p.to}`).inputs;
    const v = reach(
      rules,
      { network: vm.networkInterfaces[0].network, tags: vm.tags },
      p.source,
      p.protocol,
      p.port,
    );
    const line = `${p.from} -> ${p.to} ${p.protocol}${p.port === undefined ? "" : `/${p.port}`}: ${v.allowed ? "allowed" : "denied"} (${v.rule})`;
    lines.push(line);
    if (v.allowed !== p.allowed)
      wrong.push(`${line}, expected ${p.allowed ? "allowed" : "denied"}`);
  }
  return { lines, wrong };
}

/** An app VM as a source: its internal address and its tags. */
function appVm(d: Deployment, vm: string): Source {
  const i = d.one(T.instance, `aspire-${vm}`);
  return { ip: i.state.networkInterfaces[0].networkIp, tags: i.inputs.tags };
}

const probe = (
  from: string,
  source: Source,
  to: string,
  protocol: Protocol,
  port: number | undefined,
  allowed: boolean,
): Probe => ({ from, source, to, protocol, port, allowed });

/** What nobody but the app's own rules may open, on every VM: SSH (unless enabled), RDP, ICMP. */
function closedPorts(vms: readonly string[], ssh: boolean): Probe[] {
  return vms.flatMap((vm) => [
    probe("internet", INTERNET, vm, "tcp", 22, false),
    probe("ssh cidr", SSH_CLIENT, vm, "tcp", 22, ssh),
    probe("iap", IAP_CLIENT, vm, "tcp", 22, ssh),
    probe("foreign vm", FOREIGN_VM, vm, "tcp", 22, false),
    probe("internet", INTERNET, vm, "tcp", 3389, false),
    probe("foreign vm", FOREIGN_VM, vm, "tcp", 3389, false),
    probe("internet", INTERNET, vm, "icmp", undefined, false),
    probe("foreign vm", FOREIGN_VM, vm, "icmp", undefined, false),
  ]);
}

function starterProbes(ssh: boolean): Probe[] {
  return [
    probe("internet", INTERNET, "app", "tcp", 80, true),
    // Ports of the app's services that are not published: nobody else's business either.
    probe("foreign vm", FOREIGN_VM, "app", "tcp", 6379, false),
    probe("foreign vm", FOREIGN_VM, "app", "tcp", 8080, false),
    probe("internet", INTERNET, "app", "tcp", 6379, false),
    ...closedPorts(["app"], ssh),
  ];
}

function twoVmProbes(d: Deployment, ssh: boolean): Probe[] {
  const front = appVm(d, "front");
  return [
    probe("internet", INTERNET, "front", "tcp", 80, true),
    probe("internet", INTERNET, "back", "tcp", 80, false),
    probe("front vm", front, "back", "tcp", 8080, true),
    probe("front vm", front, "back", "udp", 8125, true),
    probe("foreign vm", FOREIGN_VM, "back", "tcp", 8080, false),
    probe("foreign vm", FOREIGN_VM, "back", "udp", 8125, false),
    probe("internet", INTERNET, "back", "tcp", 8080, false),
    probe("internet", INTERNET, "back", "udp", 8125, false),
    // A private port of the back VM is not opened on the front VM.
    probe("foreign vm", FOREIGN_VM, "front", "tcp", 8080, false),
    ...closedPorts(["front", "back"], ssh),
  ];
}

test("the evaluator follows GCP: lowest number wins, deny wins a tie, no match is the implied deny", () => {
  const target = { network: "default", tags: ["t"] };
  const allow = (name: string, priority: number): FirewallRule => ({
    name,
    network: "default",
    priority,
    allows: [{ protocol: "tcp", ports: ["20-25"] }],
    sourceRanges: ["0.0.0.0/0"],
  });
  const deny = (name: string, priority: number): FirewallRule => ({
    name,
    network: "default",
    priority,
    denies: [{ protocol: "all" }],
    sourceRanges: ["0.0.0.0/0"],
    targetTags: ["t"],
  });
  assert.deepEqual(reach([allow("a", 900), deny("d", 1000)], target, INTERNET, "tcp", 22), {
    allowed: true,
    rule: "a",
  });
  assert.deepEqual(reach([allow("a", 1000), deny("d", 1000)], target, INTERNET, "tcp", 22), {
    allowed: false,
    rule: "d",
  });
  assert.deepEqual(reach([allow("a", 65534)], target, INTERNET, "tcp", 22), {
    allowed: true,
    rule: "a",
  });
  assert.deepEqual(reach([allow("a", 65534)], target, INTERNET, "tcp", 26), {
    allowed: false,
    rule: "implied deny ingress",
  });
  assert.deepEqual(
    reach(
      [{ ...deny("d", 0), targetTags: ["other"] }, allow("a", 1000)],
      target,
      INTERNET,
      "tcp",
      22,
    ),
    { allowed: true, rule: "a" },
  );
  assert.deepEqual(
    reach(
      [{ ...allow("a", 1000), network: "projects/p/global/networks/other" }],
      target,
      INTERNET,
      "tcp",
      22,
    ).allowed,
    false,
  );
  // Source tags match VMs of the network, not addresses.
  const tagged: FirewallRule = {
    name: "tags",
    network: "default",
    allows: [{ protocol: "udp" }],
    sourceTags: ["app"],
  };
  assert.equal(
    reach([tagged], target, { ip: "10.128.0.5", tags: ["app"] }, "udp", 53).allowed,
    true,
  );
  assert.equal(reach([tagged], target, { ip: "10.128.0.5" }, "udp", 53).allowed, false);
  // The default network as GCP creates it: everything internal, and 22, 3389 and ICMP from anywhere.
  assert.equal(
    reach(defaultNetworkRules(), target, FOREIGN_VM, "tcp", 6379).rule,
    "default-allow-internal",
  );
  assert.equal(reach(defaultNetworkRules(), target, INTERNET, "tcp", 22).rule, "default-allow-ssh");
  assert.equal(
    reach(defaultNetworkRules(), target, INTERNET, "tcp", 3389).rule,
    "default-allow-rdp",
  );
  assert.equal(reach(defaultNetworkRules(), target, INTERNET, "icmp").rule, "default-allow-icmp");
  assert.equal(reach(defaultNetworkRules(), target, INTERNET, "tcp", 80).allowed, false);
});

test("every network kind gets a deny of all ingress to the app's VMs at 1000, with the app's allow rules above it at 900", async () => {
  const kinds: [string, NetworkOptions][] = [
    ["default", { kind: "default" }],
    ["existing", { kind: "existing", subnetIds: [], network: "my-vpc", subnetwork: "my-subnet" }],
    ["create", { kind: "create", cidr: "10.42.0.0/16" }],
  ];
  for (const [kind, network] of kinds) {
    const d = await deploy(TWO_VMS, { plan: SPLIT_TWO, ssh: SSH_ON, network });
    const deny = d.one(T.firewall, "aspire-deny-ingress");
    assert.deepEqual(
      { ...deny.inputs, network: undefined, description: undefined },
      {
        network: undefined,
        description: undefined,
        direction: "INGRESS",
        priority: DENY_PRIORITY,
        denies: [{ protocol: "all" }],
        sourceRanges: ["0.0.0.0/0"],
        targetTags: [appNetworkTag("test")],
      },
      kind,
    );
    assert.equal(DENY_PRIORITY, 1000);
    assert.equal(ALLOW_PRIORITY, 900);
    // On the VMs' own network, and every VM carries the tag it targets.
    const instances = d.of(T.instance);
    for (const i of instances) {
      assert.equal(deny.inputs.network, i.inputs.networkInterfaces[0].network, kind);
      assert.ok(i.inputs.tags.includes(appNetworkTag("test")), kind);
    }
    const allowRules = d.of(T.firewall).filter((f) => f !== deny);
    assert.deepEqual(
      allowRules.map((f) => f.name).sort(),
      ["aspire-back-private", "aspire-front-public", "aspire-ssh"],
      kind,
    );
    for (const f of allowRules) {
      assert.equal(f.inputs.priority, ALLOW_PRIORITY, `${kind}: ${f.name}`);
      assert.equal(f.inputs.denies, undefined, `${kind}: ${f.name}`);
      // The deny is created after the allow rules (an older stack's allows move to 900 first)...
      assert.ok(
        deny.dependencies.some((u) => u.endsWith(`gcp:compute/firewall:Firewall::${f.name}`)),
        `${kind}: the deny does not wait for ${f.name}`,
      );
    }
    // ...and before any instance.
    for (const i of instances)
      assert.ok(
        i.dependencies.some((u) =>
          u.endsWith("gcp:compute/firewall:Firewall::aspire-deny-ingress"),
        ),
        `${kind}: ${i.name} does not wait for the deny`,
      );
  }
});

test("exposure of the starter on the default network, with GCP's default rules: 80 from anywhere, nothing else; SSH only from its CIDRs and IAP when enabled", async () => {
  for (const ssh of [false, true]) {
    const d = await deploy(starterManifest, { ssh: ssh ? SSH_ON : NO_SSH });
    const { lines, wrong } = exposure(d, defaultNetworkRules(), starterProbes(ssh));
    assert.deepEqual(wrong, [], `ssh ${ssh}:\n${lines.join("\n")}`);
  }
  // Without the deny, the default network's rules would open them (the test sees what it asserts).
  const d = await deploy(starterManifest);
  const { wrong } = exposure(d, defaultNetworkRules(), starterProbes(false), "aspire-deny-ingress");
  assert.deepEqual(
    wrong.map((w) => w.replace(/,.*/, "")),
    [
      "foreign vm -> app tcp/6379: allowed (default-allow-internal)",
      "foreign vm -> app tcp/8080: allowed (default-allow-internal)",
      "internet -> app tcp/22: allowed (default-allow-ssh)",
      "ssh cidr -> app tcp/22: allowed (default-allow-ssh)",
      "iap -> app tcp/22: allowed (default-allow-ssh)",
      "foreign vm -> app tcp/22: allowed (default-allow-internal)",
      "internet -> app tcp/3389: allowed (default-allow-rdp)",
      "foreign vm -> app tcp/3389: allowed (default-allow-internal)",
      "internet -> app icmp: allowed (default-allow-icmp)",
      "foreign vm -> app icmp: allowed (default-allow-internal)",
    ],
  );
});

test("exposure of two VMs on the default network: the private ports from the app's VMs only, nothing else but 80 on the front", async () => {
  for (const ssh of [false, true]) {
    const d = await deploy(TWO_VMS, { plan: SPLIT_TWO, ssh: ssh ? SSH_ON : NO_SSH });
    const { lines, wrong } = exposure(d, defaultNetworkRules(), twoVmProbes(d, ssh));
    assert.deepEqual(wrong, [], `ssh ${ssh}:\n${lines.join("\n")}`);
    // The decisions come from the app's own rules, never the network's.
    for (const line of lines) assert.match(line, /\((aspire-[a-z-]+)\)$/, line);
  }
});

test("exposure on an existing network whose own rules allow everything at the default priority 1000", async () => {
  const d = await deploy(TWO_VMS, {
    plan: SPLIT_TWO,
    network: { kind: "existing", subnetIds: [], network: "my-vpc", subnetwork: "my-subnet" },
  });
  const broad: FirewallRule[] = [
    {
      name: "allow-all-internal",
      network: "my-vpc",
      allows: [{ protocol: "all" }],
      sourceRanges: ["10.0.0.0/8"],
    },
    {
      name: "allow-anything",
      network: "my-vpc",
      allows: [{ protocol: "tcp" }, { protocol: "udp" }, { protocol: "icmp" }],
      sourceRanges: ["0.0.0.0/0"],
    },
    ...defaultNetworkRules("my-vpc"),
  ];
  const foreign: Source = { ip: "10.20.0.9", tags: ["some-other-app"] };
  const probes = twoVmProbes(d, false).map((p) =>
    p.source === FOREIGN_VM ? { ...p, source: foreign } : p,
  );
  const { lines, wrong } = exposure(d, broad, probes);
  assert.deepEqual(wrong, [], lines.join("\n"));
  assert.ok(
    lines.includes("internet -> back tcp/8080: denied (aspire-deny-ingress)"),
    lines.join("\n"),
  );
});
