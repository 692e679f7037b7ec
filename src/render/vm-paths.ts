// Where things live on the VM. The scripts in ./vm/ use the same paths (see their headers).
export const ETC_DIR = "/etc/aspire-arm";
export const VM_ENV_FILE = `${ETC_DIR}/vm.env`;
export const APP_DIR = `${ETC_DIR}/app`;
export const LIB_DIR = "/usr/local/lib/aspire-arm";
/** The scripts that come with each release (apply.sh and its tools), in the app folder. */
export const RELEASE_BIN_DIR = `${APP_DIR}/bin`;
/** The ExecStart wrapper of native services (vm/exec-env.py), from the current release. */
export const EXEC_ENV = `${RELEASE_BIN_DIR}/exec-env.py`;
export const DATA_DIR = "/var/lib/aspire-arm/data";
export const VOLUMES_DIR = `${DATA_DIR}/volumes`;
export const NATIVE_APPS_DIR = "/opt/aspire-arm/apps";
/** Where dotnet-runtimes.py installs the .NET runtimes (Microsoft's builds) the native apps need. */
export const DOTNET_DIR = "/usr/share/dotnet";
export const RENDERED_ENV_DIR = "/run/aspire-arm/env";
export const APP_UNIT = "aspire-arm-app.service";
