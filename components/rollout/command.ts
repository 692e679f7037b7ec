// The rollout of a VM's release as a Pulumi resource: a command.local.Command that runs one of
// the waiters in this folder on the machine running `pulumi up`. Its triggers are the release id
// and the instance, so it runs again exactly when the VM's app config changes or the VM is new,
// and `pulumi up` waits for its exit: 0 when the VM applied the release and is healthy, 1 (the
// update fails, with the VM's log lines) when it rolled back. `pulumi preview` runs nothing.
import * as command from "@pulumi/command";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

export type Waiter = "aws-ssm" | "gce-guest-attributes";

/** The compiled waiter, relative to the program's folder (where Pulumi runs commands), so that the
 *  command's text does not change with the checkout's path. `npm ci` builds dist/ (prepare). */
export function waiterPath(waiter: Waiter): string {
  const compiled = __filename.endsWith(".js")
    ? path.join(__dirname, `${waiter}.js`)
    : path.resolve(__dirname, `../../dist/components/rollout/${waiter}.js`);
  return path.relative(process.cwd(), compiled) || compiled;
}

export interface RolloutArgs {
  readonly waiter: Waiter;
  /** The VM's settings for the waiter: ids and names only, never a secret. */
  readonly environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** The release id: a new one rolls out. */
  readonly release: pulumi.Input<string>;
  /** The instance: a new VM gets the release too. */
  readonly instanceId: pulumi.Input<string>;
}

export function rolloutCommand(
  id: string,
  args: RolloutArgs,
  opts: pulumi.CustomResourceOptions,
): command.local.Command {
  const script = waiterPath(args.waiter);
  if (!fs.existsSync(path.resolve(script)))
    throw new pulumi.RunError(
      `${script} is missing: run \`npm ci\` (or \`npm run build\`) in the aspire-arm folder before \`pulumi up\``,
    );
  return new command.local.Command(
    `${id}-rollout`,
    {
      create: `node ${script}`,
      environment: args.environment,
      triggers: [args.release, args.instanceId],
    },
    opts,
  );
}
