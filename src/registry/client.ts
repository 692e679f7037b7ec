// Asks an image's registry, over the OCI distribution API, whether the image runs on linux/arm64,
// and which manifest an Arm VM would pull: the digest VMs then run, so every VM of a stack runs the
// same bits whatever the tag points to later. Plain fetch, no Pulumi, no Docker: the program calls it
// before anything is created, and the tests against a real registry (Debian's docker-registry).
//
// The protocol: GET /v2/<repository>/manifests/<tag|digest> with the manifest media types in Accept
// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests); a 401
// names how to authenticate in Www-Authenticate: Bearer (a token from the realm for scope
// repository:<name>:pull, anonymous or with the credentials as Basic: Docker Hub, GHCR, Quay, MCR,
// Artifact Registry) or Basic (ECR) (https://distribution.github.io/distribution/spec/auth/token/).
// An index (OCI image index, Docker manifest list) lists each manifest's platform; a single
// manifest names its config blob, whose `architecture` says the platform
// (https://github.com/opencontainers/image-spec/blob/main/config.md).
import { createHash } from "node:crypto";
import { parseImageName, pinnedReference, type ImageName } from "./reference";

/** What `check` and the offline `plan` say once: they know only the fixed list of x86-only images
 *  (src/manifest/arm64-images.ts); the registries are asked when the stack deploys. */
export const DEPLOY_TIME_CHECK =
  "Images: checked here against a list of known x86-only images only; `pulumi up` (and `pulumi preview`) asks each image's registry for linux/arm64 before anything changes, and VMs run the digest of that manifest.";

export const INDEX_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
];
export const MANIFEST_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
];

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface RegistryOptions {
  /** Credentials for a registry host (ECR, Artifact Registry); anonymous when undefined. */
  readonly credentials?: (host: string) => Credentials | undefined;
  /** Per request; default 20 s. */
  readonly timeoutMs?: number;
}

/** What the registry says about an image. */
export type ImageCheck =
  | {
      readonly ok: true;
      /** The digest of the linux/arm64 manifest: what `docker pull` on an Arm VM gets. */
      readonly digest: string;
      /** The reference VMs run: `name@sha256:...`. */
      readonly pinned: string;
      /** Every platform the image has, `os/arch[/variant]`. */
      readonly platforms: readonly string[];
    }
  | {
      readonly ok: false;
      /** no-arm64: the image exists without a linux/arm64 variant; error: it could not be checked. */
      readonly problem: "no-arm64" | "error";
      /** One line, naming the image and, for no-arm64, the platforms it has. */
      readonly message: string;
      readonly platforms?: readonly string[];
    };

/** Loopback registries (a test's, a developer's) speak plain HTTP, as Docker allows them to. */
function baseUrl(host: string): string {
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host);
  return `${loopback ? "http" : "https"}://${host}`;
}

class RegistryProblem extends Error {}

/** Whether `image` has a linux/arm64 variant, and the digest of that variant's manifest. */
export async function checkArm64(
  image: string,
  options: RegistryOptions = {},
): Promise<ImageCheck> {
  const name = parseImageName(image);
  if (!name)
    return { ok: false, problem: "error", message: `image ${image} is not an image reference` };
  try {
    return await check(name, new Session(name, options));
  } catch (e) {
    if (e instanceof RegistryProblem) return { ok: false, problem: "error", message: e.message };
    throw e;
  }
}

async function check(name: ImageName, session: Session): Promise<ImageCheck> {
  const top = await session.manifest(name.digest ?? name.tag ?? "latest");
  if (INDEX_TYPES.includes(top.mediaType)) {
    const entries = manifestsOf(top, name);
    const platforms = unique(entries.map((e) => e.platform).filter((p) => p !== "unknown/unknown"));
    // arm64 without a variant or v8 first: the variant every arm64 runtime runs.
    const arm = [...entries]
      .filter((e) => /^linux\/arm64(\/v8)?$/.test(e.platform))
      .concat(entries.filter((e) => e.platform.startsWith("linux/arm64/")))[0];
    if (!arm) return noArm64(name, platforms);
    const child = await session.manifest(arm.digest);
    if (!MANIFEST_TYPES.includes(child.mediaType))
      throw new RegistryProblem(
        `image ${name.original}: the linux/arm64 entry ${arm.digest} is a ${child.mediaType}, not an image manifest`,
      );
    return { ok: true, digest: arm.digest, pinned: pinnedReference(name, arm.digest), platforms };
  }
  const config = await session.config(top);
  const platform = [config.os, config.architecture, config.variant].filter(Boolean).join("/");
  if (config.os !== "linux" || config.architecture !== "arm64") return noArm64(name, [platform]);
  return {
    ok: true,
    digest: top.digest,
    pinned: pinnedReference(name, top.digest),
    platforms: [platform],
  };
}

function noArm64(name: ImageName, platforms: readonly string[]): ImageCheck {
  return {
    ok: false,
    problem: "no-arm64",
    platforms,
    message: `image ${name.original} has no linux/arm64 variant in its registry (it has ${platforms.join(", ") || "no platform"}), so it cannot run on an Arm VM: use a multi-platform tag or build it for linux/arm64`,
  };
}

interface Fetched {
  readonly mediaType: string;
  readonly digest: string;
  readonly json: Record<string, unknown>;
}

function manifestsOf(index: Fetched, name: ImageName): { platform: string; digest: string }[] {
  const list = index.json.manifests;
  if (!Array.isArray(list))
    throw new RegistryProblem(
      `image ${name.original}: the registry sent an index without manifests`,
    );
  return list.map((m: { digest?: unknown; platform?: Record<string, unknown> }) => ({
    digest: String(m.digest),
    platform: [
      m.platform?.os ?? "unknown",
      m.platform?.architecture ?? "unknown",
      m.platform?.variant,
    ]
      .filter(Boolean)
      .join("/"),
  }));
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/** One image's conversation with its registry: the token it got is used for every request. */
class Session {
  private authorization?: string;

  constructor(
    private readonly name: ImageName,
    private readonly options: RegistryOptions,
  ) {}

  /** A manifest, its bytes checked against its digest. */
  async manifest(reference: string): Promise<Fetched> {
    const path = `/v2/${this.name.repository}/manifests/${reference}`;
    const res = await this.get(path, [...INDEX_TYPES, ...MANIFEST_TYPES].join(", "));
    const bytes = Buffer.from(await res.arrayBuffer());
    const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    const said = res.headers.get("docker-content-digest");
    if ((said && said !== digest) || (reference.startsWith("sha256:") && reference !== digest))
      throw new RegistryProblem(
        `image ${this.name.original}: registry ${this.name.host} sent a manifest whose sha256 is ${digest}, not ${reference.startsWith("sha256:") ? reference : said}`,
      );
    const json = this.parse(bytes);
    const mediaType =
      typeof json.mediaType === "string"
        ? json.mediaType
        : (res.headers.get("content-type") ?? "").split(";")[0].trim();
    if (![...INDEX_TYPES, ...MANIFEST_TYPES].includes(mediaType))
      throw new RegistryProblem(
        `image ${this.name.original}: registry ${this.name.host} sent a manifest of type ${mediaType || "(none)"}, which aspire-arm does not read (it reads OCI and Docker v2 manifests and indexes)`,
      );
    return { mediaType, digest, json };
  }

  /** The config blob of a single manifest: os, architecture, variant. */
  async config(
    manifest: Fetched,
  ): Promise<{ os?: string; architecture?: string; variant?: string }> {
    const config = manifest.json.config as { digest?: unknown } | undefined;
    if (typeof config?.digest !== "string")
      throw new RegistryProblem(`image ${this.name.original}: its manifest names no config`);
    const res = await this.get(`/v2/${this.name.repository}/blobs/${config.digest}`, "*/*");
    const json = this.parse(Buffer.from(await res.arrayBuffer()));
    const text = (k: string) => (typeof json[k] === "string" ? (json[k] as string) : undefined);
    return { os: text("os"), architecture: text("architecture"), variant: text("variant") };
  }

  private parse(bytes: Buffer): Record<string, unknown> {
    try {
      const json: unknown = JSON.parse(bytes.toString("utf8"));
      if (json && typeof json === "object" && !Array.isArray(json))
        return json as Record<string, unknown>;
    } catch {
      // reported below
    }
    throw new RegistryProblem(
      `image ${this.name.original}: registry ${this.name.host} sent something that is not JSON`,
    );
  }

  /** GET with the session's authorization; on a 401, authenticate as the challenge says, once. */
  private async get(path: string, accept: string): Promise<Response> {
    let res = await this.fetch(`${baseUrl(this.name.host)}${path}`, accept);
    if (res.status === 401 && this.authorization === undefined) {
      this.authorization = await this.authenticate(res.headers.get("www-authenticate") ?? "");
      res = await this.fetch(`${baseUrl(this.name.host)}${path}`, accept);
    }
    if (res.ok) return res;
    throw new RegistryProblem(await this.failure(res, path));
  }

  /** A blob may redirect to another origin (ECR to S3, Docker Hub to its CDN): fetch follows it
   *  and drops the Authorization header on the way, as the Fetch standard says (Node 20 does;
   *  tested), so neither the token nor the stack's credentials leave the registry. */
  private async fetch(url: string, accept: string): Promise<Response> {
    try {
      return await fetch(url, {
        headers: {
          Accept: accept,
          ...(this.authorization ? { Authorization: this.authorization } : {}),
        },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 20_000),
      });
    } catch (e) {
      throw new RegistryProblem(
        `image ${this.name.original}: registry ${this.name.host} cannot be reached (${reason(e)}): the machine that deploys needs network access to it`,
      );
    }
  }

  private async authenticate(challenge: string): Promise<string> {
    const credentials = this.options.credentials?.(this.name.host);
    const basic =
      credentials &&
      `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
    const scheme = challenge.split(" ")[0].toLowerCase();
    if (scheme === "basic") {
      if (basic) return basic;
      throw new RegistryProblem(
        `image ${this.name.original}: registry ${this.name.host} needs credentials and aspire-arm has none for it`,
      );
    }
    const params = challengeParams(challenge);
    if (scheme !== "bearer" || !params.realm)
      throw new RegistryProblem(
        `image ${this.name.original}: registry ${this.name.host} asks for an authentication aspire-arm does not speak (${challenge.slice(0, 80) || "no Www-Authenticate"})`,
      );
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set("service", params.service);
    url.searchParams.set("scope", `repository:${this.name.repository}:pull`);
    let res: Response;
    try {
      res = await fetch(url, {
        headers: basic ? { Authorization: basic } : {},
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 20_000),
      });
    } catch (e) {
      throw new RegistryProblem(
        `image ${this.name.original}: the token service ${url.host} of registry ${this.name.host} cannot be reached (${reason(e)})`,
      );
    }
    const body = (await res.json().catch(() => ({}))) as {
      token?: unknown;
      access_token?: unknown;
    };
    const token = body.token ?? body.access_token;
    if (!res.ok || typeof token !== "string")
      throw new RegistryProblem(
        `image ${this.name.original}: the token service ${url.host} of registry ${this.name.host} gave no token (HTTP ${res.status})${basic ? "" : ": a private image needs credentials"}`,
      );
    return `Bearer ${token}`;
  }

  private async failure(res: Response, path: string): Promise<string> {
    const body = (await res.json().catch(() => ({}))) as { errors?: { code?: string }[] };
    const code = body.errors?.[0]?.code;
    const what = path.includes("/blobs/") ? "its config blob" : "the manifest";
    if (res.status === 404)
      return `image ${this.name.original} was not found in registry ${this.name.host} (${code ?? "404"}): check the name and tag, and that it was pushed`;
    if (res.status === 401 || res.status === 403)
      return `image ${this.name.original}: registry ${this.name.host} refused to give ${what} (HTTP ${res.status}${code ? ` ${code}` : ""}): a private image needs the stack's credentials for its registry`;
    return `image ${this.name.original}: registry ${this.name.host} answered HTTP ${res.status}${code ? ` ${code}` : ""} for ${what}`;
  }
}

/** `Bearer realm="...",service="...",scope="..."` -> its parameters. */
export function challengeParams(challenge: string): Record<string, string> {
  const params: Record<string, string> = {};
  const re = /([a-zA-Z_]+)="([^"]*)"/g;
  for (let m = re.exec(challenge); m; m = re.exec(challenge)) params[m[1].toLowerCase()] = m[2];
  return params;
}

function reason(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if ((e as Error).name === "TimeoutError") return "timed out";
  return cause?.code ?? cause?.message ?? (e as Error).message;
}
