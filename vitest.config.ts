// Test runner configuration: unit, integration (simulators on 127.0.0.1:0) and browser tests.
import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Vitest's default leaves a core free, which on a 2-core CI machine runs every file one after the other
    // (≈ 11 min); most files wait on sockets and child processes, so two at a time take ≈ 7 min.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    minWorkers: 1,
    restoreMocks: true,
  },
});
