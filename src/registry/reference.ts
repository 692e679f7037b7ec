// An image reference split the way Docker and the OCI distribution API read it: which registry host
// to ask, which repository in it, and the tag or digest. `redis:7` is Docker Hub's
// `library/redis`, served by registry-1.docker.io (Docker's normalisation: a first path component
// is a registry host only when it has a dot or a port, or is `localhost`).
// https://github.com/distribution/reference/blob/main/normalize.go

export interface ImageName {
  /** As written, for messages. */
  readonly original: string;
  /** The host the API is asked at (docker.io becomes registry-1.docker.io). */
  readonly host: string;
  /** The repository path in that registry (`library/redis` for `redis`). */
  readonly repository: string;
  readonly tag?: string;
  /** `sha256:<hex>`, when the reference has one. */
  readonly digest?: string;
  /** The reference without tag and digest, as written (`redis`, `ghcr.io/org/app`): what a digest is appended to. */
  readonly name: string;
}

const DOCKER_HUB = "registry-1.docker.io";

/** The parts of an image reference, or undefined when it is not one. */
export function parseImageName(image: string): ImageName | undefined {
  const m = /^([^@]+?)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?$/.exec(image);
  if (!m) return undefined;
  const name = m[1];
  // A colon left in the name is a port (host:5000/app) only before the first slash.
  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  const hasHost = slash >= 0 && (/[.:]/.test(first) || first === "localhost");
  const host = hasHost ? first : "docker.io";
  let repository = hasHost ? name.slice(slash + 1) : name;
  if (repository.includes(":") || repository === "") return undefined;
  const hub = host === "docker.io" || host === "index.docker.io" || host === DOCKER_HUB;
  if (hub && !repository.includes("/")) repository = `library/${repository}`;
  return {
    original: image,
    host: hub ? DOCKER_HUB : host,
    repository,
    ...(m[2] !== undefined ? { tag: m[2] } : {}),
    ...(m[3] !== undefined ? { digest: m[3] } : {}),
    name,
  };
}

/** The reference a VM runs: the name as written, at exactly this digest (a tag is dropped: Docker
 *  pulls by the digest anyway, and `docker image rm` takes `name@digest`). */
export function pinnedReference(image: ImageName, digest: string): string {
  return `${image.name}@${digest}`;
}
