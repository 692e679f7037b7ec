// The app on Google Cloud Tau T2A / Axion C4A: per VM a Compute Engine instance (arm64 Ubuntu,
// Shielded VM with vTPM and integrity monitoring), firewall rules on its network tags (ingress
// only for external endpoints, private ports only from the app's own VMs, SSH only when
// enabled, everything else denied above the network's own allow rules), its own service account
// (its own secrets, the stack's Artifact Registry repository), a protected data disk for named
// volumes, and a name in the stack's private Cloud DNS zone.
// Secrets live in Secret Manager and the VM reads them at boot: the user data carries only their
// names.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import {
  gcpDiskType,
  IMAGE_FAMILIES,
  privateZone,
  stackSegment,
  vmAlias,
  type VmPlan,
} from "../../src/plan";
import {
  deployRenderContext,
  GCP_DATA_DEVICE_NAME,
  GCP_DATA_DISK,
  secretPrefix,
  secretStoreName,
  type RenderContext,
} from "../../src/render";
import {
  appTags,
  publicIngress,
  storedSecrets,
  vmUserData,
  type ArmAppArgs,
  type ArmAppOutputs,
  type VmOutputs,
} from "../arm-app";
import { createVms } from "../endpoints";
import { orFail } from "../fail";
import { ImageBuilds } from "../images";
import { rolloutCommand } from "../rollout/command";
import { releaseOutput } from "../rollout/release";
import { enableApis, neededApis } from "./apis";
import { ALLOW_PRIORITY, DENY_PRIORITY, IAP_RANGE } from "./firewall";
import { appNetworkTag, fitText, gcpLabels, serviceAccountId, vmNetworkTag } from "./names";
import { gcpLocation, gcpNetwork, type GcpNetwork } from "./network";

/** The arm64 image family of each OS GCP can run (src/plan/os-images.ts). */
export { IMAGE_FAMILIES };

export { IAP_RANGE };

/** The instance metadata key that holds the VM's release (base64 of the gzipped bundle). */
export const RELEASE_METADATA_KEY = "aspire-arm-bundle";

/** The data disk's device name and its path on the VM (src/render/deploy-context.ts). */
export const DATA_DEVICE_NAME = GCP_DATA_DEVICE_NAME;
export { GCP_DATA_DISK };

/** The user that the `ssh-keys` metadata creates for aspire:ssh.publicKey. */
export const SSH_USER = "ubuntu";

interface SharedResources {
  readonly network: GcpNetwork;
  readonly project: pulumi.Output<string>;
  readonly zone: string;
  readonly region: string;
  readonly appTag: string;
  /** The deny-all ingress rule of the app's VMs. */
  readonly denyIngress: gcp.compute.Firewall;
  readonly registry?: gcp.artifactregistry.Repository;
  readonly secrets: ReadonlyMap<
    string,
    { secret: gcp.secretmanager.Secret; version: gcp.secretmanager.SecretVersion }
  >;
  readonly tags: Record<string, string>;
  /** The enabled APIs each kind of resource waits for (./apis.ts). */
  readonly apis: {
    readonly compute: pulumi.Resource[];
    readonly iam: pulumi.Resource[];
    readonly secretmanager: pulumi.Resource[];
    readonly artifactregistry: pulumi.Resource[];
  };
}

export class GcpArmApp extends pulumi.ComponentResource implements ArmAppOutputs {
  readonly endpoints: pulumi.Output<Record<string, string>>;
  readonly vms: Readonly<Record<string, VmOutputs>>;
  readonly dashboardUrl?: pulumi.Output<string>;
  /** Where built images go (`<region>-docker.pkg.dev/<project>/aspire-arm-<stack>`), when the app builds any. */
  readonly registryUri?: pulumi.Output<string>;

  constructor(name: string, args: ArmAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aspire-arm:gcp:ArmApp", name, {}, opts);
    const { plan } = args;
    const tags = appTags(plan);
    const labels = gcpLabels(tags);
    const parent = this;
    const { zone, region } = gcpLocation();
    const project = gcp.organizations.getClientConfigOutput({ parent }).project;

    // The APIs the stack calls, enabled first: a fresh project has none of them on (./apis.ts).
    const prefix = secretPrefix("gcp", plan.stack);
    const stored = storedSecrets(plan);
    const builds = plan.vms.some((vm) => vm.services.some((s) => s.image.kind !== "pull"));
    const enabled = enableApis(
      name,
      neededApis({ secrets: stored.length > 0, builtImages: builds }),
      project,
      this,
    );
    const after = (...apis: (keyof typeof enabled)[]) =>
      apis.flatMap((a) => (enabled[a] ? [enabled[a] as pulumi.Resource] : []));
    const apis = {
      compute: after("compute"),
      iam: after("iam"),
      secretmanager: after("secretmanager"),
      artifactregistry: after("artifactregistry"),
    };

    const network = gcpNetwork(name, args.network, project, region, this, apis.compute);

    // Firewall rules select VMs by network tag: every VM carries the app's tag and its own.
    // Egress needs no rule: GCP's implied rule allows all egress (packages, images, Google APIs).
    // Whatever allow rules the network has (the default network's default-allow-internal, -ssh,
    // -rdp, -icmp; an existing network's own), a deny closes every other port of the app's VMs:
    // our allow rules come before it (ALLOW_PRIORITY), the network's after it (see ./firewall.ts).
    const appTag = appNetworkTag(plan.stack);
    const allowRules: gcp.compute.Firewall[] = [];
    if (args.ssh.enabled)
      allowRules.push(
        allowRule(
          `${name}-ssh`,
          network,
          {
            description: `aspire-arm ${plan.stack}: SSH (aspire:ssh) and IAP TCP forwarding`,
            allows: [{ protocol: "tcp", ports: ["22"] }],
            sourceRanges: [...new Set([...args.ssh.cidrs, IAP_RANGE])],
            targetTags: [appTag],
          },
          { parent, dependsOn: apis.compute },
        ),
      );
    for (const vm of plan.vms)
      allowRules.push(
        ...vmFirewalls(`${name}-${vm.name}`, plan, vm, network, appTag, parent, apis.compute),
      );
    // The deny waits for the allow rules: a stack from before it gets its allow rules moved above
    // it (priority 1000 -> 900, updated in place) before the deny would win their tie. And every
    // instance waits for the deny: none runs a moment with only the network's rules.
    const denyIngress = new gcp.compute.Firewall(
      `${name}-deny-ingress`,
      {
        network: network.network,
        direction: "INGRESS",
        priority: DENY_PRIORITY,
        description: `aspire-arm ${plan.stack}: no other ingress to the app's VMs, whatever the network's own rules allow`,
        denies: [{ protocol: "all" }],
        sourceRanges: ["0.0.0.0/0"],
        targetTags: [appTag],
      },
      { parent, dependsOn: [...allowRules, ...apis.compute] },
    );

    // Secrets: one Secret Manager secret per parameter that a VM reads, under the stack's prefix.
    // Ids are [a-z0-9-] (safe names) and at most 11 + 50 + 1 + 50 characters, within the 255 allowed.
    const secrets = new Map<
      string,
      { secret: gcp.secretmanager.Secret; version: gcp.secretmanager.SecretVersion }
    >();
    for (const p of stored) {
      const value = args.parameters[p.name];
      if (value === undefined)
        throw new pulumi.RunError(
          `parameter ${p.name} has no value: run \`pulumi config set --secret aspire:parameters.${p.name} VALUE\`.`,
        );
      const id = `${name}-${secretStoreName(p.name)}`;
      const secret = new gcp.secretmanager.Secret(
        id,
        { secretId: `${prefix}${secretStoreName(p.name)}`, replication: { auto: {} }, labels },
        { parent, dependsOn: apis.secretmanager },
      );
      const version = new gcp.secretmanager.SecretVersion(
        id,
        { secret: secret.id, secretData: value },
        { parent },
      );
      secrets.set(p.name, { secret, version });
    }

    // One Artifact Registry repository for the images the stack builds (a Docker repository holds many images).
    const registry = builds
      ? new gcp.artifactregistry.Repository(
          `${name}-images`,
          {
            repositoryId: `aspire-arm-${stackSegment(plan.stack)}`,
            format: "DOCKER",
            location: region,
            description: `aspire-arm ${plan.stack}: built images`,
            labels,
          },
          { parent, dependsOn: apis.artifactregistry },
        )
      : undefined;

    // Build and push them (linux/arm64) from the machine running `pulumi up`, logged in with its own Google credentials.
    const imageBuilds = registry
      ? new ImageBuilds(
          `${name}-images`,
          {
            plan,
            repositoryUrl: (repo) =>
              pulumi.interpolate`${region}-docker.pkg.dev/${registry.project}/${registry.repositoryId}/${repo}`,
            registry: pulumi.interpolate`${region}-docker.pkg.dev`,
            registryUser: "oauth2accesstoken",
            registryPassword: gcp.organizations.getClientConfigOutput({ parent }).accessToken,
            parameters: args.parameters,
          },
          { parent },
        )
      : undefined;
    const builtImages = { ...args.builtImages, ...imageBuilds?.images };

    const dns = new gcp.dns.ManagedZone(
      `${name}-private`,
      {
        dnsName: `${privateZone(plan.stack)}.`,
        visibility: "private",
        privateVisibilityConfig: { networks: [{ networkUrl: network.networkUrl }] },
        description: `aspire-arm ${plan.stack}: VM names`,
        forceDestroy: true,
        labels,
      },
      // Binding the network needs Compute Engine's (the default network exists once that API is on).
      { parent, dependsOn: [...after("dns"), ...apis.compute] },
    );

    const shared: SharedResources = {
      network,
      project,
      zone,
      region,
      appTag,
      denyIngress,
      registry,
      secrets,
      tags,
      apis,
    };
    const created = createVms(plan, (vm) => {
      const out = this.vm(name, vm, { ...args, builtImages }, shared);
      new gcp.dns.RecordSet(
        `${name}-${vm.name}`,
        {
          managedZone: dns.name,
          name: `${vmAlias(vm.name, plan.stack)}.`,
          type: "A",
          ttl: 60,
          rrdatas: [out.privateIp],
        },
        { parent },
      );
      return out;
    });
    this.vms = created.vms;
    this.endpoints = created.endpoints;
    this.dashboardUrl = created.dashboardUrl;
    this.registryUri = registry?.registryUri;
    this.registerOutputs({
      endpoints: this.endpoints,
      dashboardUrl: this.dashboardUrl,
      registryUri: this.registryUri,
    });
  }

  private vm(name: string, vm: VmPlan, args: ArmAppArgs, shared: SharedResources): VmOutputs {
    const { plan } = args;
    const parent = this;
    const id = `${name}-${vm.name}`;
    const labels = gcpLabels({ ...shared.tags, "aspire-arm-vm": vm.name });
    const image = IMAGE_FAMILIES[vm.os];
    if (!image)
      throw new pulumi.RunError(
        `VM ${vm.name}: ${vm.os} has no Google Cloud image; use aspire:os ubuntu-24.04.`,
      );

    // Arm only: the series was checked by the plan; Compute Engine confirms the zone offers it
    // (T2A runs in few zones) before anything of the VM exists.
    const machineType = gcp.compute
      .getMachineTypesOutput(
        { zone: shared.zone, filter: `name = "${vm.instanceType}"` },
        { parent, dependsOn: shared.apis.compute },
      )
      .apply((r) =>
        offeredMachineType(
          vm,
          shared.zone,
          r.machineTypes.map((m) => m.name),
        ),
      );

    // Identity: a service account of its own, reading this VM's secrets and the stack's images.
    // Display name and description within IAM's 100 and 256 bytes, whatever the stack name's length.
    const account = new gcp.serviceaccount.Account(
      id,
      {
        accountId: serviceAccountId(plan.stack, vm.name),
        displayName: fitText(`aspire-arm ${plan.stack} ${vm.name}`, 100),
        description: fitText(`aspire-arm ${plan.stack}: VM ${vm.name}`, 256),
      },
      { parent, dependsOn: shared.apis.iam },
    );
    const firstBoot: pulumi.Resource[] = []; // what the VM reads as it boots
    for (const p of vm.secrets) {
      const s = shared.secrets.get(p);
      if (!s) continue; // a value known now, written into the VM's configuration
      firstBoot.push(s.version);
      firstBoot.push(
        new gcp.secretmanager.SecretIamMember(
          `${id}-${secretStoreName(p)}`,
          {
            secretId: s.secret.id,
            role: "roles/secretmanager.secretAccessor",
            member: account.member,
          },
          { parent },
        ),
      );
    }
    if (shared.registry && vm.services.some((s) => s.image.kind !== "pull"))
      firstBoot.push(
        new gcp.artifactregistry.RepositoryIamMember(
          `${id}-images`,
          {
            project: shared.registry.project,
            location: shared.registry.location,
            repository: shared.registry.name,
            role: "roles/artifactregistry.reader",
            member: account.member,
          },
          { parent },
        ),
      );

    // Named volumes live on a separate disk that outlives the instance. Its inputs depend on
    // nothing of the instance, so resizing the VM keeps it; moving between T2A and C4A changes its
    // type (Persistent Disk / Hyperdisk), which protectData stops Pulumi from doing by replacement.
    const dataDisk = vm.dataDiskGb
      ? new gcp.compute.Disk(
          `${id}-data`,
          { zone: shared.zone, type: gcpDiskType(vm.instanceType), size: vm.dataDiskGb, labels },
          {
            parent,
            protect: args.protectData,
            retainOnDelete: args.protectData,
            dependsOn: shared.apis.compute,
          },
        )
      : undefined;

    const sshKey = args.ssh.enabled && args.ssh.publicKey ? args.ssh.publicKey.trim() : undefined;
    // The user data depends only on what the VM is (project, data disk, runtime), never on the app.
    const vmContext = shared.project.apply((project): RenderContext =>
      deployRenderContext(plan, vm, {
        region: shared.region,
        project,
        dotnetChannel: args.dotnetChannel,
      }),
    );
    // The release: the app config with the images built for it and the secrets' versions.
    const release = releaseOutput(
      plan,
      vm,
      vmContext,
      { built: args.builtImages, pinned: args.pinnedImages },
      (p) => shared.secrets.get(p)?.version.version,
    );
    const metadata = pulumi.all([vmContext, release]).apply(([ctx, rel]) => {
      const sent = orFail(vmUserData(plan, vm, ctx));
      // cloud-init's GCE datasource reads `user-data`, base64-decoding it when `user-data-encoding`
      // says so; it then recognises gzip by itself.
      const userData: Record<string, string> =
        sent.encoding === "plain"
          ? { "user-data": sent.text }
          : { "user-data": sent.text, "user-data-encoding": "base64" };
      // The release, updated in place (no restart): the VM's agent (gce-agent.py) waits for
      // its change and reports the result in the guest attribute aspire-arm/result.
      const releaseKeys = {
        [RELEASE_METADATA_KEY]: rel.gzBase64,
        "enable-guest-attributes": "TRUE",
      };
      // OS Login (IAM-managed SSH, what `gcloud compute ssh` uses) ignores keys in metadata: with a
      // key of its own the VM takes that key, for that user, and no project-wide key.
      const access: Record<string, string> = sshKey
        ? {
            "enable-oslogin": "FALSE",
            "ssh-keys": `${SSH_USER}:${sshKey}`,
            "block-project-ssh-keys": "TRUE",
          }
        : { "enable-oslogin": "TRUE" };
      return { ...userData, ...releaseKeys, ...access };
    });

    const instance = new gcp.compute.Instance(
      id,
      {
        machineType,
        zone: shared.zone,
        bootDisk: {
          autoDelete: true,
          initializeParams: {
            image,
            type: gcpDiskType(vm.instanceType),
            size: vm.diskSizeGb,
            architecture: "ARM64",
            labels,
          },
        },
        attachedDisks: dataDisk
          ? [{ source: dataDisk.selfLink, deviceName: DATA_DEVICE_NAME, mode: "READ_WRITE" }]
          : [],
        // One access config without an address: an ephemeral public IP. nicType stays unset: GCP
        // picks the type the series and the image support (gVNIC on the Arm series). The provider
        // marks nic_type ForceNew, so setting it now would replace every existing VM.
        networkInterfaces: [
          {
            network: shared.network.network,
            subnetwork: shared.network.subnetwork,
            accessConfigs: [{}],
          },
        ],
        metadata,
        serviceAccount: { email: account.email, scopes: ["cloud-platform"] },
        // vTPM and integrity monitoring on, Secure Boot off: the Compute API's own defaults for a
        // Shielded VM image (https://cloud.google.com/compute/docs/reference/rest/v1/instances,
        // ShieldedInstanceConfig). Secure Boot on the Arm series is unverified here, and a public
        // report has a Debian arm64 VM not booting with it
        // (terraform-google-modules/terraform-google-bastion-host#156).
        shieldedInstanceConfig: {
          enableSecureBoot: false,
          enableVtpm: true,
          enableIntegrityMonitoring: true,
        },
        tags: [shared.appTag, vmNetworkTag(plan.stack, vm.name)],
        labels,
        // Changing the machine type, service account or Shielded VM settings stops the VM.
        allowStoppingForUpdate: true,
      },
      {
        parent,
        // Readable at first boot: the secrets' values and the account's grants exist before the VM,
        // and so does the deny of all other ingress.
        dependsOn: [...firstBoot, shared.denyIngress, ...shared.apis.compute],
        // cloud-init runs user data on first boot only: a changed bootstrap needs a new instance
        // (the data disk is separate and survives it).
        replaceOnChanges: ['metadata["user-data"]'],
        // A read-write data disk attaches to one instance at a time: the old one goes first.
        deleteBeforeReplace: dataDisk !== undefined,
      },
    );

    // `pulumi up` waits until the VM reports this release applied (or fails with its log lines).
    rolloutCommand(
      id,
      {
        waiter: "gce-guest-attributes",
        release: release.id,
        instanceId: instance.instanceId,
        environment: {
          ASPIRE_GCP_PROJECT: shared.project,
          ASPIRE_GCP_ZONE: shared.zone,
          ASPIRE_INSTANCE: instance.name,
          ASPIRE_RELEASE: release.id,
        },
      },
      { parent, dependsOn: [instance] },
    );

    const nic = instance.networkInterfaces.apply((n) => n[0]);
    return {
      publicIp: nic.apply((n) => n?.accessConfigs?.[0]?.natIp ?? ""),
      privateIp: nic.apply((n) => n?.networkIp ?? ""),
      // IAP reaches port 22 only through the SSH firewall rule, which exists only with aspire:ssh.
      connect: args.ssh.enabled
        ? pulumi.interpolate`gcloud compute ssh ${instance.name} --zone ${shared.zone} --project ${shared.project} --tunnel-through-iap`
        : pulumi.interpolate`SSH is off: set aspire:ssh to {enabled: true, cidrs: [...]} (Google's IAP range is then allowed too), then: gcloud compute ssh ${instance.name} --zone ${shared.zone} --project ${shared.project} --tunnel-through-iap`,
    };
  }
}

/** An allow rule of the app: ingress on its network, at ALLOW_PRIORITY (before the deny). */
function allowRule(
  name: string,
  network: GcpNetwork,
  rule: Omit<gcp.compute.FirewallArgs, "network" | "direction" | "priority">,
  opts: pulumi.CustomResourceOptions,
): gcp.compute.Firewall {
  return new gcp.compute.Firewall(
    name,
    { network: network.network, direction: "INGRESS", priority: ALLOW_PRIORITY, ...rule },
    opts,
  );
}

/** The VM's allow rules: its public ports from anywhere, its private ports from the app's VMs. */
function vmFirewalls(
  id: string,
  plan: ArmAppArgs["plan"],
  vm: VmPlan,
  network: GcpNetwork,
  appTag: string,
  parent: pulumi.Resource,
  computeApi: pulumi.Resource[],
): gcp.compute.Firewall[] {
  const vmTag = vmNetworkTag(plan.stack, vm.name);
  const rules: gcp.compute.Firewall[] = [];
  const publicRules = publicIngress(plan, vm);
  if (publicRules.length)
    rules.push(
      allowRule(
        `${id}-public`,
        network,
        {
          description: `aspire-arm ${plan.stack}: VM ${vm.name}: ${publicRules.map((r) => r.description).join(", ")}`,
          allows: allows(publicRules),
          sourceRanges: ["0.0.0.0/0"],
          targetTags: [vmTag],
        },
        { parent, dependsOn: computeApi },
      ),
    );
  if (vm.privatePorts.length)
    rules.push(
      allowRule(
        `${id}-private`,
        network,
        {
          description: `aspire-arm ${plan.stack}: VM ${vm.name}: ${[...new Set(vm.privatePorts.map((p) => p.service))].join(", ")}, from the app's VMs`,
          allows: allows(vm.privatePorts),
          sourceTags: [appTag],
          targetTags: [vmTag],
        },
        { parent, dependsOn: computeApi },
      ),
    );
  return rules;
}

/** The VM's machine type when the zone offers it; a RunError saying what to change when not. */
export function offeredMachineType(
  vm: Pick<VmPlan, "name" | "instanceType">,
  zone: string,
  offered: readonly string[],
): string {
  if (offered.includes(vm.instanceType)) return vm.instanceType;
  throw new pulumi.RunError(
    `VM ${vm.name}: machine type ${vm.instanceType} is not offered in zone ${zone}. T2A runs only in some zones (such as us-central1-a, -b, -f, europe-west4-a, -b, asia-southeast1-b, -c), C4A in more: change gcp:zone or the instance type.`,
  );
}

/** Firewall `allows` for ports: one entry per protocol, its ports as strings, each once. */
function allows(
  ports: readonly { port: number; protocol: "tcp" | "udp" }[],
): { protocol: string; ports: string[] }[] {
  const byProtocol = new Map<string, Set<number>>();
  for (const p of ports)
    byProtocol.set(p.protocol, (byProtocol.get(p.protocol) ?? new Set()).add(p.port));
  return [...byProtocol.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([protocol, set]) => ({ protocol, ports: [...set].sort((a, b) => a - b).map(String) }));
}
