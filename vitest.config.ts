import { defineConfig } from "vitest/config";

export default defineConfig({
  cacheDir: "node_modules/.vitest-cache",

  // Vite 8 compiles TypeScript with oxc. DEV mode makes every element go
  // through `jsxDEV` with its file:line, which render errors point at
  // (packages/jsx-runtime/test/jsx-transform.test.tsx checks this).
  oxc: {
    jsx: { runtime: "automatic", importSource: "@jiti/jsx-runtime", development: true },
  },

  // Inside the workspace the jiti packages are their sources: the
  // "jiti-source" export condition (see tsconfig.base.json) goes first in
  // every environment (the tests', the global setup's), before "import",
  // which points at the dist/ a pack builds.
  plugins: [
    {
      name: "jiti-source",
      configResolved(config) {
        for (const environment of Object.values(config.environments)) {
          const resolve = environment.resolve as { conditions: string[] };
          resolve.conditions = ["jiti-source", ...resolve.conditions];
        }
      },
    },
  ],

  test: {
    include: [
      "packages/*/src/**/*.test.{ts,tsx}",
      "packages/*/test/**/*.test.{ts,tsx}",
      "examples/**/*.test.{ts,tsx}",
      "test/**/*.test.{ts,tsx}",
    ],

    // One moto_server per vitest worker, started once by the global setup and
    // handed to the worker by VITEST_POOL_ID (useMoto, in @jiti/testkit). A worker runs one
    // test file at a time and `useMoto()` resets the server before each test,
    // so files never see each other's resources. One server per worker rather
    // than per file because moto pays ~1 s of CPU loading its EC2 backend on
    // the first call after start-up, but only ~50 ms per reset: on these
    // 2-core machines that is the difference between seconds and a minute.
    // Tests inside a file that uses moto must not run concurrently.
    globalSetup: ["packages/testkit/src/moto/global-setup.ts"],
    // Forks, not threads: each worker gets its own process.env (useMoto sets
    // AWS_ENDPOINT_URL and credentials) and the server pid is per process.
    pool: "forks",

    // AWS calls against moto are slower than unit tests; moto start-up is
    // bounded separately (20 s) inside the hook.
    testTimeout: 20_000,
    hookTimeout: 30_000,

    env: {
      // The SDK warns once per process that it will drop Node 20 in 2027.
      // Silenced by its own switch rather than NODE_NO_WARNINGS, which would
      // also hide warnings a test should see (listener leaks, deprecations).
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
  },
});
