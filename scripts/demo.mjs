/**
 * The Quick start's demo: the web-server stack of examples/web-app through
 * its whole life, against a local AWS emulator that lives for this run only.
 *
 *   pnpm demo
 */
import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const jiti = fileURLToPath(new URL("../packages/cli/bin/jiti.js", import.meta.url));
const stack = "examples/web-app/stack.tsx";

/** Starts `jiti local` and resolves with the environment it prints. */
function startEmulator() {
  const child = spawn(process.execPath, [jiti, "local", "--json"], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`jiti local exited with code ${code} before the emulator was ready`)));
    createInterface({ input: child.stdout }).once("line", (line) => resolve({ child, env: JSON.parse(line).env }));
  });
}

function run(env, ...args) {
  console.log(`\n$ jiti ${args.join(" ")}`);
  const result = spawnSync(process.execPath, [jiti, ...args], { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`jiti ${args.join(" ")} exited with code ${result.status}`);
}

const { child, env } = await startEmulator();
console.log(`A local AWS emulator is running at ${env.AWS_ENDPOINT_URL}; nothing persists after this demo.`);
try {
  run(env, "plan", stack);
  run(env, "render", stack, "--yes");
  run(env, "plan", stack, "--detailed-exitcode");
  run(env, "ls", stack);
  run(env, "destroy", stack, "--yes");
  run(env, "ls", "--stack", "web-app-dev");
  console.log("\nThe stack was created, checked, listed and destroyed. Try it on your own stack: see README.md.");
} catch (error) {
  console.error(`\ndemo failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  child.kill("SIGINT");
}
