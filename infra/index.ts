// The leadms program: `pulumi up --stack staging|production`. The config is validated whole before any
// resource is declared; the stack's outputs are what an operator needs next.
import { loadStackConfig } from "./config.js";
import { declareStack } from "./stack.js";

const outputs = declareStack(loadStackConfig());

export const namespace = outputs.namespace;
export const services = outputs.services;
export const urls = outputs.urls;
export const images = outputs.images;
export const commands = outputs.commands;
