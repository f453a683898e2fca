/**
 * Render + plan at scale, on the reconciler alone: a generated stack of
 * 10,000 particles whose live state already matches (the no-change plan every
 * re-run makes). Live state comes from the in-memory contract double, so the
 * numbers are the reconciler's own CPU time and memory, not AWS latency.
 *
 *   pnpm bench:scale
 */
import { ref } from "@jiti/jsx-runtime";
import { apply, graph, renderStack, Stack } from "@jiti/reconciler";
import { catalogue, planActions, read } from "@jiti/reconciler/internal";
import { FakeCloud, fakeParticles } from "@jiti/testkit/fake";

const TARGET_SECONDS = 1;
const TARGET_MB = 300;

function stack(kit: ReturnType<typeof fakeParticles>, particles: number) {
  const { Net, Sub, Box, Group } = kit;
  // Per Net: 1 Net + 1 Group + 9 Subs × 10 Boxes = 101 particles.
  const nets = Math.ceil(particles / 101);
  return (
    <Stack name="bench">
      {Array.from({ length: nets }, (_, n) => {
        const g = ref(Group);
        return (
          <Net name={`n${n}`} cidr={`10.${n % 256}.0.0/16`}>
            <Group name="g" ref={g} rules={["80", "443"]} />
            {Array.from({ length: 9 }, (_, s) => (
              <Sub name={`s${s}`} cidr={`10.${n % 256}.${s}.0/24`} label="x">
                {Array.from({ length: 10 }, (_, b) => (
                  <Box name={`b${b}`} size="small" groups={[g]} secret="s" />
                ))}
              </Sub>
            ))}
          </Net>
        );
      })}
    </Stack>
  );
}

async function main() {
  const size = Number(process.argv[2] ?? 10_000);
  const cloud = new FakeCloud();
  const kit = fakeParticles(cloud);
  await apply(stack(kit, size), { particles: kit.particles, concurrency: 64 });
  const ctx = {
    stack: "bench",
    aws: {},
    cache: new Map(),
    signal: new AbortController().signal,
    progress: () => {},
    idle: <T,>(wait: Promise<T>) => wait,
  };
  const snapshot = await read(undefined, catalogue(kit.particles), ctx);

  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { tree, particles } = renderStack(stack(kit, size));
  const t1 = performance.now();
  const g = graph(tree);
  const plan = planActions(tree, g, snapshot, particles);
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(sample);

  const count = g.nodes.size;
  const changes = plan.actions.filter((a) => a.action !== "noop").length;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const mb = peak / 2 ** 20;
  console.log(`particles            ${count}`);
  console.log(`changes planned      ${changes} (expected 0)`);
  console.log(`render               ${((t1 - t0) / 1000).toFixed(3)} s`);
  console.log(`graph + plan         ${((t2 - t1) / 1000).toFixed(3)} s`);
  console.log(
    `render + plan CPU    ${cpuSeconds.toFixed(3)} s   ratio to ${TARGET_SECONDS} s bound: ${(cpuSeconds / TARGET_SECONDS).toFixed(2)}`,
  );
  console.log(`peak RSS             ${mb.toFixed(0)} MB   ratio to ${TARGET_MB} MB bound: ${(mb / TARGET_MB).toFixed(2)}`);
  if (changes !== 0) process.exitCode = 1;
}

await main();
