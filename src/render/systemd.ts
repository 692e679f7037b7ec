// systemd units and environment templates of .NET projects that run natively (dotnet runtime):
// one unit, one dynamic user, one working directory and one environment file per service.
//
// The environment does not go through systemd's Environment=/EnvironmentFile=, which take only
// shell names and silently drop the others (systemd.exec(5): "ASCII letters, digits, and the
// underscore"), such as `services__catalog-api__http__0` or `discovery.type`. The unit passes the
// rendered file as a credential (LoadCredential=, readable by the service's dynamic user only) to
// vm/exec-env.py, which adds every entry to the environment and execs dotnet. ExecStart has the
// `:` prefix (no $ expansion by systemd): exec-env.py fills `${ASPIRE_P_*}` in the args from the
// same file, and `$$` is `$`.
import { secretVariable, type ServicePlan, type VmPlan } from "../plan";
import { escapeDollar, interpolated } from "./interpolate";
import { APP_UNIT, DOTNET_DIR, EXEC_ENV, NATIVE_APPS_DIR, RENDERED_ENV_DIR } from "./vm-paths";

export interface NativeServiceFiles {
  /** File name under units/. */
  readonly unitName: string;
  readonly unit: string;
  /** File name under env/: a template apply.sh renders with the secrets into RENDERED_ENV_DIR. */
  readonly envTemplateName: string;
  readonly envTemplate: string;
}

export function renderNativeServices(vm: VmPlan): NativeServiceFiles[] {
  return vm.services.filter((s) => s.runAs === "native").map((s) => nativeService(vm, s));
}

function nativeService(vm: VmPlan, s: ServicePlan): NativeServiceFiles {
  // The plan runs only .NET projects natively, and keeps their assembly name even when their image is overridden.
  if (!s.assembly) throw new Error(`${s.name}: only .NET projects run natively`);
  const assembly = s.assembly;
  const dir = `${NATIVE_APPS_DIR}/${s.name}`;
  // The assembly is named after the project file, text of the manifest: `$` must not expand.
  // The host of the runtimes apply.sh installs (dotnet-runtimes.py), whatever else provides /usr/bin/dotnet.
  const exec = [
    `${DOTNET_DIR}/dotnet`,
    `${dir}/${escapeDollar(assembly)}.dll`,
    ...s.args.map(interpolated),
  ]
    .map(systemdWord)
    .join(" ");
  // -I -S: no PYTHON* variables, user site or site module in the wrapper.
  const execStart = `:/usr/bin/python3 -I -S ${EXEC_ENV} ${exec}`;
  const deps = s.dependsOn.map((d) => {
    const other = vm.services.find((x) => x.name === d);
    return other?.runAs === "native" ? `aspire-${d}.service` : APP_UNIT;
  });
  const after = ["network-online.target", ...new Set(deps)].join(" ");
  const unit = `# ${s.resource} (${s.kind}) on VM ${vm.name}, written by aspire-arm.
[Unit]
Description=aspire-arm ${s.resource}
Wants=network-online.target
After=${after}

[Service]
Type=exec
DynamicUser=yes
WorkingDirectory=${dir}
# A writable home for the dynamic user (ASP.NET Core keeps its data-protection keys there).
StateDirectory=aspire-app-${s.name}
Environment=HOME=/var/lib/aspire-app-${s.name}
# The manifest's environment, any name: exec-env.py reads it from $CREDENTIALS_DIRECTORY/env.
LoadCredential=env:${RENDERED_ENV_DIR}/${s.name}.env
ExecStart=${execStart}
Restart=always
RestartSec=5
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes

[Install]
WantedBy=multi-user.target
`;
  // The args' secrets are expanded by exec-env.py from the same environment file.
  const argSecrets = new Set<string>();
  for (const a of s.args)
    for (const p of a.parts)
      if (typeof p !== "string" && p.kind === "parameter")
        argSecrets.add(secretVariable(p.parameter, p.filters.length > 0));
  const lines = Object.entries(s.env).map(([k, v]) => {
    const text = interpolated(v);
    // One variable a line: the plan refused control characters in native services' values.
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(text))
      throw new Error(
        `${s.resource} env.${k}: a control character reached an environment template`,
      );
    return `${k}=${text}`;
  });
  for (const v of argSecrets) lines.push(`${v}=\${${v}}`);
  return {
    unitName: `aspire-${s.name}.service`,
    unit,
    envTemplateName: `${s.name}.env.in`,
    envTemplate: lines.join("\n") + "\n",
  };
}

/** One ExecStart word: double-quoted, with systemd's escapes; `$$` and `${VAR}` from interpolated() are left to exec-env.py. */
function systemdWord(text: string): string {
  if (/[\u0000-\u001f\u007f]/.test(text))
    throw new Error(`a control character reached an ExecStart word: ${JSON.stringify(text)}`);
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%")}"`;
}
