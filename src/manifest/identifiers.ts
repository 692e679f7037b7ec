// The rules for every identifier a manifest gives that ends up in a file we write (compose files,
// systemd units, env files, shell-sourced lists, Caddyfiles, DNS names, cloud resource names).
// Each rule is what the identifier's consumer accepts, narrowed to what Aspire itself writes, so
// that an identifier that passes is safe in every one of those files without escaping. Free text
// (env values, args) is not restricted here: each writer escapes it for its own syntax.

/** Resource and endpoint names, as Aspire's ModelName.ValidateName has them (Aspire.Hosting,
 *  ApplicationModel/ModelName.cs): an ASCII letter first, then ASCII letters, digits and single
 *  hyphens, no hyphen last, 1 to 64 characters. Every public manifest we hold obeys it. */
const MODEL_NAME = /^[A-Za-z](?:-?[A-Za-z0-9])*$/;
const MODEL_NAME_MAX = 64;

export function modelNameProblem(what: "resource" | "endpoint", name: string): string | undefined {
  if (MODEL_NAME.test(name) && name.length <= MODEL_NAME_MAX) return undefined;
  return `${what} name ${quoted(name)} is not a name Aspire writes: use ASCII letters, digits and single hyphens, starting with a letter and not ending with a hyphen, at most ${MODEL_NAME_MAX} characters (Aspire's own rule for resource and endpoint names). Rename it in the AppHost and publish the manifest again.`;
}

/** Environment variable and build argument names: the characters .NET configuration keys and
 *  service-discovery variables use (`ConnectionStrings__db`, `services__catalog-api__http__0`,
 *  `discovery.type`), not starting with a digit. Docker passes any name without `=`; Compose
 *  would interpolate a `$` in it, and `=` or a line break would split it. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;
const ENV_NAME_MAX = 256;

export function envNameProblem(what: string, name: string): string | undefined {
  if (ENV_NAME.test(name) && name.length <= ENV_NAME_MAX) return undefined;
  return `${what} ${quoted(name)} is not a variable name: use ASCII letters, digits and _ . : -, starting with a letter or _, at most ${ENV_NAME_MAX} characters.`;
}

/** Docker's rule for local volume names (moby `daemon/names`: RestrictedNamePattern,
 *  `[a-zA-Z0-9][a-zA-Z0-9_.-]+`): no `/`, no leading dot, so no `.` or `..` folder either. */
const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]+$/;

export function volumeNameProblem(name: string): string | undefined {
  if (VOLUME_NAME.test(name) && name.length <= 255) return undefined;
  return `volume name ${quoted(name)} is not one Docker accepts: use ASCII letters, digits and _ . -, starting with a letter or digit, 2 to 255 characters.`;
}

/** Build secret ids: BuildKit reads `--secret id=ID,env=VAR` as comma-separated key=value pairs. */
const SECRET_ID = /^[A-Za-z0-9_.-]{1,128}$/;

export function buildSecretIdProblem(id: string): string | undefined {
  return SECRET_ID.test(id)
    ? undefined
    : `build secret id ${quoted(id)} is not one BuildKit can take: use ASCII letters, digits and _ . -, at most 128 characters.`;
}

/** A path inside a container (volume and bind-mount targets): absolute, not `/` itself (Docker
 *  refuses it), without `..` segments, `:` (the separator of Docker's short mount syntax) or
 *  control characters. */
export function containerPathProblem(target: string): string | undefined {
  if (!target.startsWith("/"))
    return `target ${quoted(target)} must be an absolute path inside the container.`;
  if (hasControl(target) || target.includes(":"))
    return `target ${quoted(target)} has a ":" or a control character, which a container path cannot have here.`;
  if (target.split("/").includes(".."))
    return `target ${quoted(target)} has a ".." segment: give the path inside the container as it is.`;
  if (/^\/+$/.test(target))
    return `target ${quoted(target)} is the container's root, which Docker cannot mount over.`;
  return undefined;
}

/** A container image reference, as Docker's distribution/reference grammar has it:
 *  `[host[:port]/]path[:tag][@algorithm:hex]`, path components lower case. */
const IMAGE_REFERENCE = new RegExp(
  "^" +
    "(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:]+\\])(?::[0-9]+)?/)?" + // domain
    "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*" + // path
    "(?::[\\w][\\w.-]{0,127})?" + // tag
    "(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?" + // digest
    "$",
);

export function imageReferenceProblem(image: string): string | undefined {
  if (IMAGE_REFERENCE.test(image) && image.length <= 512) return undefined;
  return `image ${quoted(image)} is not an image reference Docker can pull: [registry/]repository[:tag][@sha256:digest], repository in lower case.`;
}

/** Free text that goes into files read line by line (systemd units, env files): no control
 *  characters at all, CR and NUL included. */
export function hasControl(text: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(text);
}

/** A NUL cannot reach any process (argv and environments are C strings) nor any of our files. */
export function hasNul(text: string): boolean {
  return text.includes("\u0000");
}

/** A value quoted for a message, with its control characters escaped so the message stays one line. */
export function quoted(text: string): string {
  const shown = text.length > 80 ? `${text.slice(0, 80)}...` : text;
  return JSON.stringify(shown);
}
