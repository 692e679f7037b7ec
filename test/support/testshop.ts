// TestShop, Aspire's playground app (../shared/manifests/corpus): Postgres with a generated
// password on a named volume, projects that reference it (catalogdbapp, catalogservice), Redis and
// RabbitMQ on named volumes, a YARP gateway. Split over two VMs, the database alone on VM db.
import * as path from "node:path";
import { corpusDir } from "./paths";

export const TESTSHOP = path.join(
  corpusDir,
  "dotnet__aspire__playground__TestShop__TestShop.AppHost__aspire-manifest.json",
);

/** aspire:vms: everything but the database on VM app, first (a service no group names goes
 *  there), the database on VM db. Both have data disks. */
export const TESTSHOP_VMS: Readonly<Record<string, readonly string[]>> = {
  app: [
    "basketcache",
    "catalogdbapp",
    "catalogservice",
    "messaging",
    "basketservice",
    "frontend",
    "orderprocessor",
    "apigateway",
  ],
  db: ["postgres"],
};
