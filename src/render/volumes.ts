// Folder names of named volumes on the data disk. Manifest volume names may contain dots
// (`testshop.apphost-48e1ce2b9b-postgres-data`), which are fine in paths; anything else is not.
export function volumeDirName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_");
}
