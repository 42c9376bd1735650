// Writes nginx.conf for the image from nginx-config.ts; a test fails when the two differ.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CONTAINER_NGINX, nginxConfig } from "./nginx-config.js";

const target = fileURLToPath(new URL("./nginx.conf", import.meta.url));
writeFileSync(target, nginxConfig(CONTAINER_NGINX));
console.log(`wrote ${target}`);
