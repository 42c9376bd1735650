// The leadms policy pack: `pulumi preview --policy-pack policy`. Only this file builds the pack (building
// it starts the analyzer's server); the rules live in rules/ and are tested there.
import { PolicyPack } from "@pulumi/policy";
import { toPolicies } from "./pulumi-policies.js";
import { objectRules, stackRules } from "./rules/index.js";

new PolicyPack("leadms", { policies: toPolicies(objectRules, stackRules) });
