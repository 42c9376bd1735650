import { production } from "./production.js";
import type { StackProfile } from "./profile.js";
import { staging } from "./staging.js";

export type { StackProfile } from "./profile.js";

/** The environment profiles a stack can start from, by name. */
export const profiles: Readonly<Record<string, StackProfile>> = { staging, production };
