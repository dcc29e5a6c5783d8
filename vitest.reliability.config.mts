import { defineConfig } from "vitest/config";

// The reliability suite (`npm run test:reliability`): long-running, so kept out of `npm test`. Test files run one after
// another, so their timings do not depend on each other and the shared Azurite is not split between them.
export default defineConfig({
  test: {
    include: ["test/reliability/**/*.test.ts"],
    globalSetup: ["test/support/startAzurite.ts"],
    setupFiles: ["test/reliability/support/capturePrivacy.ts"],
    testTimeout: 600_000,
    hookTimeout: 900_000,
    pool: "forks",
    fileParallelism: false,
  },
});
