// The app on AWS Graviton: per VM an EC2 instance (arm64 only, IMDSv2, encrypted gp3), its own
// security group (ingress only for external endpoints, SSH only when enabled), an instance
// profile (Session Manager, its own secrets, the stack's ECR repositories), a protected data disk
// for named volumes, and a name in the stack's private DNS zone. Secrets are SSM SecureStrings
// that the VM reads at boot: the user data carries only their names.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AMI_PARAMETERS, privateZone, vmAlias, type VmPlan } from "../../src/plan";
import {
  deployRenderContext,
  ebsDevicePath,
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
import { ec2Description, ecrRepositoryName } from "./names";
import { awsNetwork } from "./network";
import { ImageBuilds } from "../images";
import { orFail } from "../fail";
import { rolloutCommand } from "../rollout/command";
import { releaseOutput } from "../rollout/release";

/** SSM public parameters of the arm64 images (src/plan/os-images.ts). */
export { AMI_PARAMETERS };

/** The AWS managed policy every VM role gets, for SSM Agent and Session Manager. Not
 *  AmazonSSMManagedInstanceCore: that one also allows ssm:GetParameter(s) on every parameter of the
 *  account, so every VM, and every container on it through IMDS, could read every other stack's
 *  secrets. This one grants the agent's own actions (ssm:UpdateInstanceInformation, associations,
 *  inventory; ssmmessages:* channels; ec2messages:*) and no parameter read; the VM's own
 *  parameters come from the inline policy. Its document is vendored for the tests in
 *  test/fixtures/iam/. */
export const SSM_AGENT_POLICY = "AmazonSSMManagedEC2InstanceDefaultPolicy";

/** The ARN of an AWS managed policy in a partition (aws, aws-us-gov, aws-cn). */
export function awsManagedPolicyArn(partition: string, policy: string): string {
  return `arn:${partition}:iam::aws:policy/${policy}`;
}

/** The data disk as the VM sees it (src/render/deploy-context.ts). */
export { ebsDevicePath };

export class AwsArmApp extends pulumi.ComponentResource implements ArmAppOutputs {
  readonly endpoints: pulumi.Output<Record<string, string>>;
  readonly vms: Readonly<Record<string, VmOutputs>>;
  readonly dashboardUrl?: pulumi.Output<string>;

  constructor(name: string, args: ArmAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aspire-arm:aws:ArmApp", name, {}, opts);
    const { plan } = args;
    const tags = appTags(plan);
    const parent = this;
    const region = aws.getRegionOutput({}, { parent }).name;
    const account = aws.getCallerIdentityOutput({}, { parent }).accountId;
    // ARNs are built in the provider's partition: aws, aws-us-gov (GovCloud) or aws-cn (China).
    const partition = aws.getPartitionOutput({}, { parent }).partition;
    // One zone for every VM: the first that offers all their instance types (./network.ts).
    const network = awsNetwork(
      name,
      args.network,
      tags,
      this,
      plan.vms.map((vm) => vm.instanceType),
    );

    // Every VM carries this group; private ports are open to it, and to nothing else.
    const members = new aws.ec2.SecurityGroup(
      `${name}-members`,
      {
        vpcId: network.vpcId,
        description: ec2Description(`aspire-arm ${plan.stack}: every VM of the app`),
        tags,
      },
      { parent },
    );

    // Secrets: one SecureString per parameter that a VM reads, under the stack's prefix.
    const prefix = secretPrefix("aws", plan.stack);
    const stored = storedSecrets(plan);
    const secrets = stored.map(
      (p) =>
        new aws.ssm.Parameter(
          `${name}-${secretStoreName(p.name)}`,
          {
            name: `${prefix}${secretStoreName(p.name)}`,
            type: "SecureString",
            value: args.parameters[p.name],
            description: `aspire-arm ${plan.stack}: parameter ${p.name}`,
            tags,
          },
          { parent },
        ),
    );

    // ECR repositories for the images the stack builds, then the builds (linux/arm64, pushed from
    // the machine running `pulumi up`).
    const repoNames = [
      ...new Set(
        plan.vms.flatMap((vm) =>
          vm.services.flatMap((s) => (s.image.kind === "pull" ? [] : [s.image.repository])),
        ),
      ),
    ];
    const byRepo = new Map(
      repoNames.map((repo) => [
        repo,
        new aws.ecr.Repository(
          `${name}-${repo}`,
          {
            name: ecrRepositoryName(plan.stack, repo),
            imageTagMutability: "MUTABLE",
            imageScanningConfiguration: { scanOnPush: true },
            encryptionConfigurations: [{ encryptionType: "AES256" }],
            forceDelete: true,
            tags,
          },
          { parent },
        ),
      ]),
    );
    const repositories = [...byRepo.values()];
    const token = aws.ecr.getAuthorizationTokenOutput({}, { parent });
    const builds = repositories.length
      ? new ImageBuilds(
          `${name}-images`,
          {
            plan,
            repositoryUrl: (repo) => (byRepo.get(repo) as aws.ecr.Repository).repositoryUrl,
            registry: token.proxyEndpoint.apply((e) => e.replace(/^https:\/\//, "")),
            registryUser: token.userName,
            registryPassword: token.password,
            parameters: args.parameters,
          },
          { parent },
        )
      : undefined;
    const builtImages = { ...args.builtImages, ...builds?.images };

    const zone = new aws.route53.Zone(
      `${name}-private`,
      {
        name: privateZone(plan.stack),
        vpcs: [{ vpcId: network.vpcId }],
        comment: `aspire-arm ${plan.stack}: VM names`,
        forceDestroy: true,
        tags,
      },
      { parent },
    );

    // Releases: each VM's app config as an object <vm>/<release>.json.gz in a private bucket of
    // the stack, which only that VM's role may read (src/render/bundle.ts, rollout.sh).
    const releases = new aws.s3.Bucket(
      `${name}-releases`,
      { bucketPrefix: "aspire-arm-releases-", forceDestroy: true, tags },
      { parent },
    );
    new aws.s3.BucketPublicAccessBlock(
      `${name}-releases`,
      {
        bucket: releases.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      { parent },
    );

    const created = createVms(plan, (vm) => {
      const out = this.vm(
        name,
        vm,
        { ...args, builtImages },
        {
          network,
          members,
          partition,
          region,
          account,
          repositories,
          secrets,
          stored,
          releases,
          tags,
          imagesChecked: builds?.checked,
        },
      );
      new aws.route53.Record(
        `${name}-${vm.name}`,
        {
          zoneId: zone.zoneId,
          name: vmAlias(vm.name, plan.stack),
          type: "A",
          ttl: 60,
          records: [out.privateIp],
        },
        { parent },
      );
      return out;
    });
    this.vms = created.vms;
    this.endpoints = created.endpoints;
    this.dashboardUrl = created.dashboardUrl;
    this.registerOutputs({ endpoints: this.endpoints, dashboardUrl: this.dashboardUrl });
  }

  private vm(
    name: string,
    vm: VmPlan,
    args: ArmAppArgs,
    shared: {
      network: ReturnType<typeof awsNetwork>;
      members: aws.ec2.SecurityGroup;
      partition: pulumi.Output<string>;
      region: pulumi.Output<string>;
      account: pulumi.Output<string>;
      repositories: aws.ecr.Repository[];
      secrets: aws.ssm.Parameter[];
      /** The parameters of `secrets`, in the same order. */
      stored: readonly { readonly name: string }[];
      releases: aws.s3.Bucket;
      tags: Record<string, string>;
      /** Exists once every image built here is pushed and proven arm64 in the registry. */
      imagesChecked?: pulumi.Resource;
    },
  ): VmOutputs {
    const { plan } = args;
    const parent = this;
    const id = `${name}-${vm.name}`;
    const tags = { ...shared.tags, "aspire-arm-vm": vm.name };

    // Arm only: the family was checked by the plan; EC2 itself confirms it before the instance exists.
    const instanceType = aws.ec2
      .getInstanceTypeOutput({ instanceType: vm.instanceType }, { parent })
      .apply((t) => {
        if (!t.supportedArchitectures.includes("arm64"))
          throw new pulumi.RunError(
            `VM ${vm.name}: EC2 says ${vm.instanceType} supports ${t.supportedArchitectures.join(", ")}, not arm64. Use a Graviton type such as t4g.small.`,
          );
        return vm.instanceType;
      });

    // Descriptions go through ec2Description: EC2 refuses the request for one character outside its set.
    const sg = new aws.ec2.SecurityGroup(
      id,
      {
        vpcId: shared.network.vpcId,
        description: ec2Description(`aspire-arm ${plan.stack}: VM ${vm.name}`),
        tags,
      },
      { parent },
    );
    // Pulumi removes AWS's default allow-all egress: without this, nothing could be installed or pulled.
    new aws.vpc.SecurityGroupEgressRule(
      `${id}-egress`,
      {
        securityGroupId: sg.id,
        ipProtocol: "-1",
        cidrIpv4: "0.0.0.0/0",
        description: ec2Description("packages, images, cloud APIs"),
      },
      { parent },
    );
    for (const rule of publicIngress(plan, vm))
      new aws.vpc.SecurityGroupIngressRule(
        `${id}-public-${rule.protocol}-${rule.port}`,
        {
          securityGroupId: sg.id,
          ipProtocol: rule.protocol,
          fromPort: rule.port,
          toPort: rule.port,
          cidrIpv4: "0.0.0.0/0",
          description: ec2Description(rule.description),
        },
        { parent },
      );
    for (const p of uniquePorts(vm.privatePorts))
      new aws.vpc.SecurityGroupIngressRule(
        `${id}-private-${p.protocol}-${p.port}`,
        {
          securityGroupId: sg.id,
          ipProtocol: p.protocol,
          fromPort: p.port,
          toPort: p.port,
          referencedSecurityGroupId: shared.members.id,
          description: ec2Description(`${p.service}, from every VM of the app`),
        },
        { parent },
      );
    if (args.ssh.enabled)
      args.ssh.cidrs.forEach(
        (cidr, i) =>
          new aws.vpc.SecurityGroupIngressRule(
            `${id}-ssh-${i}`,
            {
              securityGroupId: sg.id,
              ipProtocol: "tcp",
              fromPort: 22,
              toPort: 22,
              cidrIpv4: cidr,
              description: ec2Description("SSH (aspire:ssh)"),
            },
            { parent },
          ),
      );

    // Identity: Session Manager instead of SSH, this VM's own secrets, the stack's images.
    const role = new aws.iam.Role(
      id,
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "ec2.amazonaws.com" },
              Action: "sts:AssumeRole",
            },
          ],
        }),
        tags,
      },
      { parent },
    );
    new aws.iam.RolePolicyAttachment(
      `${id}-ssm-agent`,
      {
        role: role.name,
        policyArn: shared.partition.apply((p) => awsManagedPolicyArn(p, SSM_AGENT_POLICY)),
      },
      { parent },
    );
    const prefix = secretPrefix("aws", plan.stack);
    const policy = pulumi
      .all([
        shared.partition,
        shared.region,
        shared.account,
        shared.releases.arn,
        ...shared.repositories.map((r) => r.arn),
      ])
      .apply(([partition, region, account, bucketArn, ...repoArns]) => {
        // Its own releases, and no other VM's: the objects under <bucket>/<vm>/.
        const statements: object[] = [
          {
            Sid: "OwnReleases",
            Effect: "Allow",
            Action: ["s3:GetObject"],
            Resource: [`${bucketArn}/${vm.name}/*`],
          },
        ];
        if (vm.secrets.length) {
          // Exactly this VM's parameters: not the stack's prefix, not GetParameters(ByPath).
          statements.push({
            Sid: "OwnParameters",
            Effect: "Allow",
            Action: ["ssm:GetParameter"],
            Resource: vm.secrets.map(
              (p) =>
                `arn:${partition}:ssm:${region}:${account}:parameter${prefix}${secretStoreName(p)}`,
            ),
          });
          // SecureStrings: decrypted by SSM on the VM's behalf, never by a direct KMS call.
          statements.push({
            Sid: "DecryptThroughSsm",
            Effect: "Allow",
            Action: ["kms:Decrypt"],
            Resource: "*",
            Condition: { StringEquals: { "kms:ViaService": `ssm.${region}.amazonaws.com` } },
          });
        }
        if (repoArns.length) {
          statements.push({
            Sid: "RegistryLogin",
            Effect: "Allow",
            Action: ["ecr:GetAuthorizationToken"],
            Resource: "*",
          });
          statements.push({
            Sid: "PullStackImages",
            Effect: "Allow",
            Action: [
              "ecr:BatchGetImage",
              "ecr:GetDownloadUrlForLayer",
              "ecr:BatchCheckLayerAvailability",
            ],
            Resource: repoArns,
          });
        }
        return JSON.stringify({ Version: "2012-10-17", Statement: statements });
      });
    const rolePolicy = new aws.iam.RolePolicy(`${id}-app`, { role: role.id, policy }, { parent });
    const profile = new aws.iam.InstanceProfile(id, { role: role.name, tags }, { parent });

    // Named volumes live on a separate encrypted disk that outlives the instance.
    const dataDisk = vm.dataDiskGb
      ? new aws.ebs.Volume(
          `${id}-data`,
          {
            availabilityZone: shared.network.availabilityZone,
            size: vm.dataDiskGb,
            type: "gp3",
            encrypted: true,
            tags: { ...tags, Name: `${plan.stack}-${vm.name}-data` },
          },
          { parent, protect: args.protectData, retainOnDelete: args.protectData },
        )
      : undefined;

    const ami = pinnedImage(
      id,
      vm,
      aws.ssm.getParameterOutput({ name: AMI_PARAMETERS[vm.os] }, { parent }).insecureValue,
      args.imageUpgrade ?? false,
      parent,
    );
    // The user data depends only on what the VM is (region, account, data disk, runtime), never on
    // the app: not on images, secrets or services, so an app change does not replace the VM.
    const vmContext = pulumi
      .all([shared.region, shared.account, dataDisk?.id ?? ""])
      .apply(([region, account, volumeId]): RenderContext =>
        deployRenderContext(plan, vm, {
          region,
          account,
          dataVolumeId: volumeId || undefined,
          dotnetChannel: args.dotnetChannel,
        }),
      );
    const userDataBase64 = vmContext.apply((ctx) => orFail(vmUserData(plan, vm, ctx)).text);
    // The release: the app config with the images built for it and the secrets' versions.
    const release = releaseOutput(
      plan,
      vm,
      vmContext,
      { built: args.builtImages, pinned: args.pinnedImages },
      // SSM numbers a parameter's values: a new value is the next version.
      (p) => shared.secrets[shared.stored.findIndex((s) => s.name === p)]?.version.apply(String),
    );

    const keyPair =
      args.ssh.enabled && args.ssh.publicKey
        ? new aws.ec2.KeyPair(id, { publicKey: args.ssh.publicKey, tags }, { parent })
        : undefined;
    const instance = new aws.ec2.Instance(
      id,
      {
        instanceType,
        ami,
        subnetId: shared.network.subnetId,
        vpcSecurityGroupIds: [sg.id, shared.members.id],
        iamInstanceProfile: profile.name,
        associatePublicIpAddress: true,
        userDataBase64,
        // cloud-init runs user data on first boot only: a changed bootstrap needs a new instance
        // (the data disk is separate and survives it).
        userDataReplaceOnChange: true,
        keyName: keyPair?.keyName,
        metadataOptions: {
          httpTokens: "required",
          httpEndpoint: "enabled",
          httpPutResponseHopLimit: 2,
        },
        // The root volume's tags are its own: volumeTags would also tag the attached data volume,
        // and fight its own tags (aws.ebs.Volume) on every update (the provider's note on volumeTags).
        rootBlockDevice: {
          volumeType: "gp3",
          volumeSize: vm.diskSizeGb,
          encrypted: true,
          deleteOnTermination: true,
          tags: { ...tags, Name: `${plan.stack}-${vm.name}-root` },
        },
        tags: { ...tags, Name: `${plan.stack}-${vm.name}` },
      },
      {
        parent,
        // After the built images are pushed and proven arm64 (an instance does not carry the
        // release on AWS, so nothing else makes it wait): a built image without linux/arm64 stops
        // the deploy before any VM is created. A first deploy boots its VMs after the builds; on
        // later ones the instance is unchanged and the wait changes nothing.
        dependsOn: [...shared.secrets, ...(shared.imagesChecked ? [shared.imagesChecked] : [])],
        // With a data disk, a replacement goes old instance first: its attachment is deleted (the
        // old instance stopped, so its containers stop and the disk is unmounted cleanly, then the
        // disk detached), the old instance terminated, then the new one created and the disk
        // attached to it right away. Created first, the new instance's bootstrap would wait for the
        // disk (300 s at most) through the old instance's stop, which has no upper bound.
        deleteBeforeReplace: dataDisk !== undefined,
      },
    );
    const attachment = dataDisk
      ? new aws.ec2.VolumeAttachment(
          `${id}-data`,
          {
            deviceName: "/dev/sdf",
            volumeId: dataDisk.id,
            instanceId: instance.id,
            stopInstanceBeforeDetaching: true,
          },
          { parent, deleteBeforeReplace: true },
        )
      : undefined;
    const eip = args.elasticIp
      ? new aws.ec2.Eip(id, { instance: instance.id, domain: "vpc", tags }, { parent })
      : undefined;

    // The release as an object, then Run Command applies it on the VM and `pulumi up` waits for
    // the result (components/rollout/aws-ssm.ts). A new key per release: the object is immutable.
    const key = pulumi.interpolate`${vm.name}/${release.id}.json.gz`;
    const object = new aws.s3.BucketObjectv2(
      `${id}-release`,
      {
        bucket: shared.releases.id,
        key,
        contentBase64: release.gzBase64,
        contentType: "application/gzip",
        tags,
      },
      { parent },
    );
    const awsConfig = new pulumi.Config("aws");
    rolloutCommand(
      id,
      {
        waiter: "aws-ssm",
        release: release.id,
        instanceId: instance.id,
        environment: {
          ASPIRE_INSTANCE_ID: instance.id,
          ASPIRE_VM: vm.name,
          ASPIRE_RELEASE: release.id,
          ASPIRE_BUCKET: shared.releases.id,
          ASPIRE_KEY: key,
          AWS_REGION: shared.region,
          // The provider's profile, when the stack sets one; else the SDK's default chain, as the provider's.
          ...(awsConfig.get("profile") ? { AWS_PROFILE: awsConfig.require("profile") } : {}),
        },
      },
      { parent, dependsOn: [object, rolePolicy, ...(attachment ? [attachment] : [])] },
    );

    return {
      publicIp: eip ? eip.publicIp : instance.publicIp,
      privateIp: instance.privateIp,
      connect: pulumi.interpolate`aws ssm start-session --target ${instance.id} --region ${shared.region}`,
    };
  }
}

/**
 * The AMI a VM runs: the one the SSM "current" parameter named when the VM was first created,
 * kept in the stack's state by a Stash (https://www.pulumi.com/docs/iac/concepts/stash/: its
 * output keeps the value it was created with while its input follows the parameter). `ami` forces
 * a replacement, and without an Elastic IP a new public address, so a new AMI behind the parameter
 * must not replace every VM on the next deploy. The stash is replaced, and the VM with it, when
 * the VM's OS changes (aspire:os) or while aspire:imageUpgrade is true and the parameter names
 * another AMI (replacementTrigger: the engine replaces the resource when the trigger differs
 * from the last recorded one).
 */
export function pinnedImage(
  id: string,
  vm: Pick<VmPlan, "os">,
  current: pulumi.Output<string>,
  upgrade: boolean,
  parent: pulumi.Resource,
): pulumi.Output<string> {
  const pin = new pulumi.Stash(
    `${id}-image`,
    { input: current },
    { parent, replacementTrigger: upgrade ? { os: vm.os, image: current } : { os: vm.os } },
  );
  return pin.output as pulumi.Output<string>;
}

function uniquePorts<T extends { port: number; protocol: string }>(ports: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const p of ports)
    if (!seen.has(`${p.protocol}/${p.port}`)) seen.set(`${p.protocol}/${p.port}`, p);
  return [...seen.values()];
}
