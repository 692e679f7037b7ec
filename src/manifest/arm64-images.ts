// Container images known to publish no linux/arm64 variant. An Arm VM cannot run them at all
// (Docker would fail at pull time with "no matching manifest for linux/arm64"), so we say so
// before anything is created. Matching is on the repository, any registry alias and any tag.

interface KnownX86Only {
  readonly repository: RegExp;
  readonly suggestion: string;
}

const X86_ONLY: readonly KnownX86Only[] = [
  {
    repository: /^(mcr\.microsoft\.com\/)?mssql\/server$/,
    suggestion:
      "SQL Server publishes amd64 images only. Use a managed SQL Server (Amazon RDS, Cloud SQL) and pass its connection string as a parameter (builder.AddConnectionString), or move the database to PostgreSQL (AddPostgres), which has arm64 images.",
  },
  {
    repository: /^(mcr\.microsoft\.com\/)?azure-sql-edge$/,
    suggestion:
      "Azure SQL Edge is retired and its arm64 images are no longer published. Use a managed SQL Server and pass its connection string as a parameter, or PostgreSQL.",
  },
];

/** Splits `registry/repo/name:tag@digest` into the repository part, lower-cased. */
export function imageRepository(image: string): string {
  let ref = image.trim().toLowerCase();
  const at = ref.indexOf("@");
  if (at >= 0) ref = ref.slice(0, at);
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  if (colon > slash) ref = ref.slice(0, colon);
  return ref.replace(/^docker\.io\//, "").replace(/^library\//, "");
}

/** A message explaining why the image cannot run on arm64, or undefined when it is not known to be x86-only. */
export function x86OnlyImageMessage(image: string): string | undefined {
  const repo = imageRepository(image);
  const known = X86_ONLY.find((k) => k.repository.test(repo));
  return (
    known &&
    `image ${image} has no linux/arm64 variant, so it cannot run on an Arm VM. ${known.suggestion}`
  );
}
