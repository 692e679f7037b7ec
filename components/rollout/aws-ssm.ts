// The AWS rollout of one VM's release, run by `pulumi up` (a command.local.Command) on the
// deployer: waits until the instance is online in Systems Manager, sends it AWS-RunShellScript
// with rollout.sh (which fetches the release from the stack's bucket with the VM's own role and
// applies it, health-gated, with rollback), and waits for the command's result. A failure exits 1
// with the VM's stderr (the failing service's last log lines), so `pulumi up` fails with them.
//
// Why Run Command and not a State Manager association: an association waits for success only when
// it is created (terraform-provider-aws waits in create, not in update), so an update would return
// before the VM had applied anything. SendCommand + GetCommandInvocation wait on every change.
// API: https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html,
// API_GetCommandInvocation.html (StandardErrorContent: the first 8,000 characters),
// API_DescribeInstanceInformation.html (PingStatus Online).
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { poll, RolloutFailure, runMain, seconds, setting, tail, type Clock } from "./wait";

/** Where rollout.sh is on every VM (src/render/vm-paths.ts LIB_DIR). */
export const ROLLOUT_SCRIPT = "/usr/local/lib/aspire-arm/rollout.sh";

export interface AwsRollout {
  readonly instanceId: string;
  readonly vm: string;
  readonly release: string;
  readonly bucket: string;
  readonly key: string;
  /** Seconds to wait for the instance to be online in Systems Manager (a new VM boots first). */
  readonly onlineTimeout: number;
  /** Seconds the VM may take to apply the release (pulls, health gate, rollback). */
  readonly applyTimeout: number;
  readonly pollSeconds: number;
}

export function awsRolloutFromEnv(env: NodeJS.ProcessEnv): AwsRollout {
  const rollout = {
    instanceId: setting(env, "ASPIRE_INSTANCE_ID"),
    vm: setting(env, "ASPIRE_VM"),
    release: setting(env, "ASPIRE_RELEASE"),
    bucket: setting(env, "ASPIRE_BUCKET"),
    key: setting(env, "ASPIRE_KEY"),
    onlineTimeout: seconds(env, "ASPIRE_ONLINE_TIMEOUT", 900),
    applyTimeout: seconds(env, "ASPIRE_ROLLOUT_TIMEOUT", 1800),
    pollSeconds: seconds(env, "ASPIRE_POLL_SECONDS", 5),
  };
  // They reach a shell command on the VM: only the shapes the program makes are accepted.
  if (!/^i-[0-9a-f]{8,32}$/.test(rollout.instanceId))
    throw new RolloutFailure(`bad instance id ${JSON.stringify(rollout.instanceId)}`);
  if (!/^[0-9a-f]{16,64}$/.test(rollout.release))
    throw new RolloutFailure(`bad release id ${JSON.stringify(rollout.release)}`);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(rollout.bucket))
    throw new RolloutFailure(`bad bucket name ${JSON.stringify(rollout.bucket)}`);
  if (!/^[a-z0-9-]+\/[0-9a-f]{16,64}\.json\.gz$/.test(rollout.key))
    throw new RolloutFailure(`bad object key ${JSON.stringify(rollout.key)}`);
  return rollout;
}

/** The shell command the VM runs (AWS-RunShellScript runs it with /bin/sh). Every value was
 *  checked against a shape with no shell metacharacters; quoted all the same. */
export function rolloutCommandLine(r: AwsRollout): string {
  return [ROLLOUT_SCRIPT, "s3", r.bucket, r.key, r.release].map((w) => `'${w}'`).join(" ");
}

type Send = Pick<SSMClient, "send">;

export async function rollOutAws(r: AwsRollout, ssm: Send, clock?: Clock): Promise<string> {
  const intervalMs = r.pollSeconds * 1000;
  await poll(
    async () => {
      const info = await ssm.send(
        new DescribeInstanceInformationCommand({
          Filters: [{ Key: "InstanceIds", Values: [r.instanceId] }],
        }),
      );
      return info.InstanceInformationList?.some((i) => i.PingStatus === "Online")
        ? true
        : undefined;
    },
    {
      intervalMs,
      timeoutMs: r.onlineTimeout * 1000,
      clock,
      onTimeout: () =>
        `VM ${r.vm} (${r.instanceId}) is not online in Systems Manager after ${r.onlineTimeout} s: ` +
        `check that it booted (EC2 console, Get system log) and can reach the ssm, ssmmessages and ` +
        `ec2messages endpoints (a public address or NAT, or VPC endpoints)`,
    },
  );
  const sent = await ssm.send(
    new SendCommandCommand({
      InstanceIds: [r.instanceId],
      DocumentName: "AWS-RunShellScript",
      Comment: `aspire-arm release ${r.release} of VM ${r.vm}`.slice(0, 100),
      Parameters: {
        commands: [rolloutCommandLine(r)],
        executionTimeout: [String(r.applyTimeout)],
      },
      TimeoutSeconds: Math.max(30, r.onlineTimeout),
    }),
  );
  const commandId = sent.Command?.CommandId;
  if (!commandId) throw new RolloutFailure("SendCommand returned no command id");
  let last = "Pending";
  const result = await poll(
    async () => {
      try {
        const inv = await ssm.send(
          new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: r.instanceId }),
        );
        last = inv.Status ?? "Pending";
        return ["Success", "Failed", "TimedOut", "Cancelled"].includes(last) ? inv : undefined;
      } catch (e) {
        // Right after SendCommand the invocation may not exist yet.
        if ((e as { name?: string }).name === "InvocationDoesNotExist") return undefined;
        throw e;
      }
    },
    {
      intervalMs,
      timeoutMs: (r.applyTimeout + 60) * 1000,
      clock,
      onTimeout: () =>
        `release ${r.release} of VM ${r.vm}: no result after ${r.applyTimeout} s (status ${last}, command ${commandId})`,
    },
  );
  if (result.Status === "Success")
    return `VM ${r.vm}: release ${r.release} applied\n${tail(result.StandardOutputContent ?? "", 2000)}`;
  throw new RolloutFailure(
    `release ${r.release} of VM ${r.vm} failed (${result.Status}, exit ${result.ResponseCode ?? "?"}; ` +
      `SSM command ${commandId}):\n` +
      tail(result.StandardErrorContent || result.StandardOutputContent || "(no output)"),
  );
}

if (require.main === module)
  runMain("aws", async () => {
    const r = awsRolloutFromEnv(process.env);
    // Region and credentials: AWS_REGION / AWS_PROFILE from the program (the provider's own), else
    // the SDK's default chain, as the provider's.
    return rollOutAws(r, new SSMClient({}));
  });
