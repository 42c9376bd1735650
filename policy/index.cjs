// Entry of the policy pack for Pulumi's policy runner, which require()s it with ts-node set up for
// CommonJS. The pack is ESM TypeScript like the rest of the repository, so tsx loads it instead.
require("tsx/cjs/api").register();
require("./pack.ts");
