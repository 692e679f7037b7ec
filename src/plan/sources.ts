// The files a manifest names on the deployer's machine: projects, Dockerfiles, build contexts,
// build secret files and bind-mount sources. A manifest is untrusted input, so each must resolve
// (symbolic links followed) inside the app's source root, and bind mounts, whose files travel in
// the user data, are walked by metadata only: no special file, no link out of the root, a bounded
// size and count, all known before a single byte is read (the render stage reads them).
//
// The source root is `aspire:sourceRoot` when set, else the folder above the manifest's: Aspire's
// layout is <solution>/<App>.AppHost/aspire-manifest.json, and an AppHost names its projects and
// files as ../Api/Api.csproj or ../realms (every public manifest we hold stays within one level).
import * as fs from "node:fs";
import * as path from "node:path";
import { buildOf, diagnostic, isProject, type ComputeResource, type Diagnostic } from "../manifest";

/** Bind-mount sources are copied with the app config; past this size they belong in an image. */
export const MAX_BIND_MOUNT_BYTES = 256 * 1024;
/** Files of one bind mount; a config folder has a handful. */
export const MAX_BIND_MOUNT_FILES = 512;

export interface BindMountFile {
  /** Where it goes, relative to the mount's folder in the app config ("" when the source is a file). */
  readonly path: string;
  /** The real path read on the deployer. */
  readonly source: string;
  readonly bytes: number;
  readonly executable: boolean;
}

export interface SourceRoot {
  /** As configured or defaulted, for messages. */
  readonly shown: string;
  /** Its real path, symbolic links resolved. */
  readonly real: string;
}

export function sourceRoot(manifestDir: string, configured?: string): SourceRoot {
  const chosen =
    configured !== undefined
      ? path.resolve(configured)
      : path.dirname(manifestDir) === manifestDir
        ? manifestDir
        : path.dirname(manifestDir);
  // The filesystem root would make every file of the machine the app's.
  const root = path.parse(chosen).root === chosen ? manifestDir : chosen;
  return { shown: root, real: realOrSelf(root) };
}

function realOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

const inside = (root: string, p: string) => {
  const rel = path.relative(root, p);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
};

/** Why `resolved` (the manifest's `written`) may not be used, or undefined. Checks the path as
 *  written and, when it exists, its real path. */
export function sourceProblem(
  root: SourceRoot,
  written: string,
  resolved: string,
): string | undefined {
  const outside = `${JSON.stringify(written)} resolves outside the app's source root ${root.shown}`;
  const fix =
    "Keep the file inside the app's folder, or set aspire:sourceRoot to a folder that holds it (never a system folder).";
  if (!inside(root.shown, resolved) && !inside(root.real, resolved)) return `${outside}. ${fix}`;
  let real: string;
  try {
    real = fs.realpathSync(resolved);
  } catch {
    return undefined; // missing: said where it matters (build or bind mount)
  }
  if (!inside(root.real, real)) return `${outside} through a symbolic link (to ${real}). ${fix}`;
  return undefined;
}

export type BindMountSource =
  | { readonly kind: "missing" }
  | { readonly kind: "file" | "directory"; readonly files: readonly BindMountFile[] };

/** The files of a bind mount, by metadata only, or the problems that refuse it. */
export function bindMountSource(
  root: SourceRoot,
  written: string,
  resolved: string,
  resource: string,
  field: string,
  errors: Diagnostic[],
  warnings: Diagnostic[],
): BindMountSource {
  const fail = (message: string): BindMountSource => {
    errors.push(diagnostic(resource, field, message));
    return { kind: "missing" };
  };
  const problem = sourceProblem(root, written, resolved);
  if (problem) return fail(`bind mount source ${problem}`);
  if (!fs.existsSync(resolved)) {
    warnings.push(
      diagnostic(
        resource,
        field,
        `bind mount source ${JSON.stringify(written)} does not exist here, so the VM gets an empty folder. Publish the manifest next to its source tree, or bake the files into an image.`,
      ),
    );
    return { kind: "missing" };
  }
  const files: BindMountFile[] = [];
  let bytes = 0;
  const seenDirs = new Set<string>();
  // Returns a message when the tree cannot be copied.
  const walk = (p: string, rel: string): string | undefined => {
    const real = fs.realpathSync(p);
    if (!inside(root.real, real))
      return `${JSON.stringify(written)} holds ${rel || "a link"} pointing outside the app's source root ${root.shown} (to ${real}): copy the file into the folder instead of linking it.`;
    const stat = fs.statSync(real);
    if (stat.isDirectory()) {
      if (seenDirs.has(real))
        return `${JSON.stringify(written)} holds a symbolic link loop at ${rel}.`;
      seenDirs.add(real);
      for (const entry of fs.readdirSync(real).sort()) {
        const problem = walk(path.join(real, entry), rel ? `${rel}/${entry}` : entry);
        if (problem) return problem;
      }
      return undefined;
    }
    if (!stat.isFile())
      return `${JSON.stringify(written)}${rel ? ` holds ${rel}, which` : ""} is not a regular file or folder (a device, socket or pipe): only files are copied.`;
    bytes += stat.size;
    if (files.length >= MAX_BIND_MOUNT_FILES)
      return `${JSON.stringify(written)} holds more than ${MAX_BIND_MOUNT_FILES} files, more than the app config carries: bake them into an image instead.`;
    if (bytes > MAX_BIND_MOUNT_BYTES)
      return `${JSON.stringify(written)} holds more than the ${MAX_BIND_MOUNT_BYTES} bytes copied with the app config: bake these files into an image instead.`;
    files.push({
      path: rel,
      source: real,
      bytes: stat.size,
      executable: (stat.mode & 0o111) !== 0,
    });
    return undefined;
  };
  try {
    const isDirectory = fs.statSync(resolved).isDirectory();
    const refused = walk(resolved, "");
    if (refused) return fail(`bind mount source ${refused}`);
    return { kind: isDirectory ? "directory" : "file", files };
  } catch (e) {
    // Unreadable folders, files removed while walking: said, never thrown.
    return fail(
      `bind mount source ${JSON.stringify(written)} cannot be read here (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`,
    );
  }
}

/** The paths a service's build reads on the deployer, as [field, resolved path]. */
export function buildInputs(s: ComputeResource): [string, string][] {
  if (isProject(s)) return [["path", s.projectPath]];
  const build = buildOf(s);
  if (!build) return [];
  const [context, dockerfile] =
    s.kind === "dockerfile.v0" ? ["context", "path"] : ["build.context", "build.dockerfile"];
  return [
    [context, build.contextPath],
    [dockerfile, build.dockerfilePath],
    ...Object.entries(build.secrets).flatMap(([id, sec]): [string, string][] =>
      sec.type === "file" && sec.sourcePath ? [[`build.secrets.${id}.source`, sec.sourcePath]] : [],
    ),
  ];
}

/** Problems of a built service's inputs: each must be inside the source root. */
export function buildInputProblems(
  root: SourceRoot,
  manifestDir: string,
  s: ComputeResource,
): Diagnostic[] {
  return buildInputs(s).flatMap(([field, resolved]) => {
    const problem = sourceProblem(root, path.relative(manifestDir, resolved) || ".", resolved);
    return problem ? [diagnostic(s.name, field, `path ${problem}`)] : [];
  });
}
