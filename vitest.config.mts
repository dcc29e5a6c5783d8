import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The reliability suite is long-running and has its own command: npm run test:reliability.
    exclude: ["test/reliability/**", "**/node_modules/**"],
    globalSetup: ["test/support/startAzurite.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
