// The plan stage: what runs where, on which ports, with which configuration. Pure: no cloud.
export * from "./model";
export * from "./options";
export { buildPlan, type PlanResult } from "./planner";
export { PlanError } from "./errors";
export { vmAlias, privateZone, HOST_GATEWAY } from "./addressing";
export { isStoredOnVm } from "./parameters";
export { DASHBOARD_TOKEN_PARAMETER } from "./dashboard";
export { safeName, envName, fitName, stackSegment } from "./names";
export { isArmInstanceType, armEquivalent, nonArmTypeMessage, gcpDiskType } from "./arm-types";
export { AMI_PARAMETERS, IMAGE_FAMILIES, osImage } from "./os-images";
export {
  secretPrefix,
  secretStoreName,
  secretVariable,
  secretNameCollisions,
} from "./secret-names";
export {
  MAX_BIND_MOUNT_BYTES,
  MAX_BIND_MOUNT_FILES,
  type BindMountSource,
  type BindMountFile,
} from "./sources";
export {
  stackCost,
  vmCost,
  vmCostText,
  usd,
  usdDelta,
  type CostedVm,
  type StackCost,
  type VmCost,
} from "./cost";
export { PRICES, HOURS_PER_MONTH, type Price, type CloudPrices } from "./prices";
