// The arm64 proof at deploy time: every published image a VM will run is looked up in its
// registry (src/registry/client.ts) before any resource is registered, and runs as the digest of
// its linux/arm64 manifest; an image without one stops the deploy, naming the resource, the image
// and the platforms it has. Built images are checked the same way once pushed (components/images.ts),
// before the release that names them exists. The resolver is injectable: under Pulumi's mocks
// (src/cli/mock-program.ts) there is no network, and the tests choose what the registry answers.
import * as pulumi from "@pulumi/pulumi";
import { diagnostic, formatDiagnostic, type Diagnostic } from "../src/manifest";
import type { DeploymentPlan } from "../src/plan";
import { checkArm64, type Credentials, type ImageCheck } from "../src/registry/client";
import { parseImageName } from "../src/registry/reference";
import { publishedImages } from "../src/render";

/** Asks the registry of `image` (with credentials for its host, when the stack has some). */
export type ImageResolver = (image: string, credentials?: Credentials) => Promise<ImageCheck>;

const networkResolver: ImageResolver = (image, credentials) =>
  checkArm64(image, { credentials: credentials && (() => credentials) });

let injected: ImageResolver | undefined;

/** Replaces the registry for the program runs that follow (undefined: the real registries again). */
export function useImageResolver(resolver: ImageResolver | undefined): void {
  injected = resolver;
}

export function imageResolver(): ImageResolver {
  return injected ?? networkResolver;
}

/** How many registry lookups run at once: a few, so a large app does not hammer Docker Hub. */
const PARALLEL = 6;

/** Every published image of the plan -> the reference VMs run (`name@sha256:...`). Throws a
 *  RunError listing every image that has no linux/arm64 variant or could not be checked. */
export async function pinPublishedImages(
  plan: DeploymentPlan,
  resolver: ImageResolver,
  credentials: (host: string) => Promise<Credentials | undefined> = async () => undefined,
): Promise<Record<string, string>> {
  const used = publishedImages(plan);
  const distinct = [...new Set(used.map((u) => u.image))];
  const results = new Map<string, ImageCheck>();
  for (let i = 0; i < distinct.length; i += PARALLEL)
    await Promise.all(
      distinct.slice(i, i + PARALLEL).map(async (image) => {
        const host = parseImageName(image)?.host;
        results.set(image, await resolver(image, host ? await credentials(host) : undefined));
      }),
    );
  const problems: Diagnostic[] = used.flatMap((u) => {
    const r = results.get(u.image) as ImageCheck;
    return r.ok ? [] : [diagnostic(u.resource, u.field, r.message)];
  });
  if (problems.length)
    throw new pulumi.RunError(
      `stack ${plan.stack}: images checked in their registries before anything is created or changed; nothing was:\n` +
        problems.map((d) => `  ${formatDiagnostic(d)}`).join("\n"),
    );
  return Object.fromEntries(
    distinct.map((image) => {
      const r = results.get(image) as Extract<ImageCheck, { ok: true }>;
      return [image, r.pinned];
    }),
  );
}

/** A pushed image at the digest of its arm64 manifest, or a RunError naming the resource. */
export async function pinBuiltImage(
  resource: string,
  image: string,
  resolver: ImageResolver,
  credentials: Credentials,
): Promise<string> {
  const r = await resolver(image, credentials);
  if (r.ok) return r.pinned;
  throw new pulumi.RunError(
    `${formatDiagnostic(diagnostic(resource, "image", r.message))} (the image was built and pushed; no release names it)`,
  );
}

/** ECR and Artifact Registry hosts: published images there are read with the stack's own credentials. */
export const ECR_HOST = /^(\d{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;
export const ARTIFACT_REGISTRY_HOST = /^[a-z0-9-]+-docker\.pkg\.dev$/;

/** The stack's credentials for a registry host of its cloud: an ECR token (the caller's AWS
 *  credentials, for the account in the host) or the caller's Google access token for Artifact
 *  Registry (user oauth2accesstoken). The cloud's SDK is loaded only when an image needs it. */
export function stackRegistryCredentials(
  plan: DeploymentPlan,
): (host: string) => Promise<Credentials | undefined> {
  return async (host) => {
    const ecr = ECR_HOST.exec(host);
    if (ecr && plan.cloud === "aws") {
      const aws = require("@pulumi/aws") as typeof import("@pulumi/aws");
      const t = await aws.ecr.getAuthorizationToken({ registryId: ecr[1] });
      return { username: t.userName, password: t.password };
    }
    if (ARTIFACT_REGISTRY_HOST.test(host) && plan.cloud === "gcp") {
      const gcp = require("@pulumi/gcp") as typeof import("@pulumi/gcp");
      const c = await gcp.organizations.getClientConfig({});
      return { username: "oauth2accesstoken", password: c.accessToken };
    }
    return undefined;
  };
}
