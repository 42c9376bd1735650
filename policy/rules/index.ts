import type { ObjectRule, StackRule } from "../rule.js";
import { kubeLinterRules, kubeLinterStackRules } from "./kube-linter.js";
import { platformRules, platformStackRules } from "./platform.js";
import { podSecurityRules } from "./pod-security.js";

export const objectRules: readonly ObjectRule[] = [...podSecurityRules, ...kubeLinterRules, ...platformRules];
export const stackRules: readonly StackRule[] = [...kubeLinterStackRules, ...platformStackRules];
