// `aspire-arm preview|up [--stack NAME] [PULUMI ARGS...]`: `pulumi preview|up --stack NAME`, after
// the two checks a new user trips on, each failing in one line that says what to do: the Pulumi
// CLI on PATH, and credentials for the stack's cloud (how to log in here, or OIDC in CI). The
// credential check looks where the clouds' SDKs look first (environment, the CLIs' files); it
// cannot see a role a cloud VM gets from its metadata server, which ASPIRE_SKIP_CREDENTIALS_CHECK=1
// lets through.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readStackFile } from "../config/stack-file";
import { UsageError } from "./usage";

/** A new user's setup problem: one line, exit 1. */
export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SetupError";
  }
}

const PIPELINE = 'in CI, OIDC as the README\'s "Pull request previews" sets up';
/** What the check cannot see, said at the end of its line so a user on a cloud VM is not stuck. */
const ON_A_CLOUD_VM =
  "On a cloud VM with an attached role or service account, set ASPIRE_SKIP_CREDENTIALS_CHECK=1.";

/** Where `name` is on PATH, or undefined. */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Why there are no credentials for `cloud` here (one line), or undefined when some are found. */
export function missingCredentials(
  cloud: "aws" | "gcp",
  env: NodeJS.ProcessEnv = process.env,
  home: string = os.homedir(),
): string | undefined {
  if (env.ASPIRE_SKIP_CREDENTIALS_CHECK === "1") return undefined;
  const exists = (f: string | undefined) => f !== undefined && f !== "" && fs.existsSync(f);
  if (cloud === "aws") {
    const found =
      (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) ||
      env.AWS_PROFILE ||
      env.AWS_WEB_IDENTITY_TOKEN_FILE ||
      env.AWS_CONTAINER_CREDENTIALS_FULL_URI ||
      env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ||
      exists(env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(home, ".aws", "credentials")) ||
      exists(env.AWS_CONFIG_FILE ?? path.join(home, ".aws", "config"));
    return found
      ? undefined
      : `no AWS credentials found: run \`aws configure sso\` and \`aws sso login\` (then export AWS_PROFILE), or ${PIPELINE} (aws-actions/configure-aws-credentials with role-to-assume). ${ON_A_CLOUD_VM}`;
  }
  const gcloudConfig = env.CLOUDSDK_CONFIG ?? path.join(home, ".config", "gcloud");
  const found =
    exists(env.GOOGLE_APPLICATION_CREDENTIALS) ||
    env.GOOGLE_CREDENTIALS ||
    env.GOOGLE_OAUTH_ACCESS_TOKEN ||
    env.CLOUDSDK_AUTH_ACCESS_TOKEN ||
    exists(path.join(gcloudConfig, "application_default_credentials.json"));
  return found
    ? undefined
    : `no Google Cloud credentials found: run \`gcloud auth application-default login\`, or ${PIPELINE} (google-github-actions/auth with workload_identity_provider). ${ON_A_CLOUD_VM}`;
}

export function pulumiCommand(
  command: "preview" | "up",
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): number {
  let stack = "dev";
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--stack" || argv[i] === "-s") {
      const v = argv[++i];
      if (v === undefined || v.startsWith("-"))
        throw new UsageError(`${command}: --stack needs a value.`);
      stack = v;
    } else rest.push(argv[i]);
  }
  const pulumi = onPath("pulumi", env);
  if (!pulumi)
    throw new SetupError(
      `the Pulumi CLI is not installed (no \`pulumi\` on PATH): install it (https://www.pulumi.com/docs/iac/download-install/, e.g. \`curl -fsSL https://get.pulumi.com | sh\`), then run \`aspire-arm ${command}\` again.`,
    );
  const { file, config } = readStackFile(process.cwd(), stack);
  if (!file)
    throw new SetupError(
      `no Pulumi.${stack}.yaml here: run \`pulumi stack init ${stack}\` and \`pulumi config set aspire:manifest PATH/aspire-manifest.json\` (or pass --stack with an existing stack).`,
    );
  const cloud = config["aspire:cloud"] === "gcp" ? "gcp" : "aws";
  const missing = missingCredentials(cloud, env);
  if (missing) throw new SetupError(missing);
  const r = spawnSync(pulumi, [command, "--stack", stack, ...rest], { stdio: "inherit", env });
  return r.status ?? 1;
}
