// The render stage: turns a deployment plan into the files each VM boots with. Pure but for
// reading bind-mount sources and the VM scripts shipped with the package.
export {
  renderVm,
  userDataProblem,
  releaseProblem,
  RELEASE_LIMIT,
  USER_DATA_LIMIT,
  USER_DATA_TOO_LARGE_ADVICE,
  type RenderedVm,
} from "./user-data";
export { renderAppConfig, type ConfigFile } from "./app-config";
export { renderCloudConfig, renderBootstrapFiles, renderVmEnv } from "./cloud-init";
export {
  renderCompose,
  restartPolicy,
  type ComposeDocument,
  type ComposeServiceNode,
  type ComposeYaml,
  type RestartPolicy,
} from "./compose";
export { renderCaddyfile, CADDY_IMAGE } from "./caddyfile";
export { renderNativeServices } from "./systemd";
export {
  defaultSecretSource,
  imageReference,
  pinnedImage,
  publishedImages,
  type PublishedImage,
  type RenderContext,
  type SecretSource,
} from "./context";
export { secretPrefix, secretStoreName, secretVariable } from "../plan";
export * from "./vm-paths";
export {
  deployRenderContext,
  offlineDeployFacts,
  ebsDevicePath,
  regionOf,
  GCP_DATA_DEVICE_NAME,
  GCP_DATA_DISK,
  OFFLINE_AWS_ACCOUNT,
  OFFLINE_VOLUME_ID,
  type DeployFacts,
} from "./deploy-context";
