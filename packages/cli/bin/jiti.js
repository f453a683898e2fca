#!/usr/bin/env node
// The CLI ships as one bundle (see build.mjs): one file to parse instead of
// the hundreds the AWS SDK is made of.
if (process.argv.includes("--debug")) process.setSourceMapsEnabled(true);
import("../dist/jiti.mjs").catch((error) => {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("jiti.mjs")) {
    console.error("jiti: the CLI is not built. Run `pnpm install` (or `pnpm --filter @jiti/cli build`) in the jiti workspace.");
    process.exit(1);
  }
  throw error;
});
