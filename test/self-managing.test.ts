/**
 * examples/self-managing against moto: an app that sizes its own worker
 * fleet from its queue's backlog (SQS) through the programmatic API. The
 * test drives the backlog up and down and checks the running instances
 * follow, within the bounds and the cool-down, never one too many; and
 * that shutdown leaves nothing of the stack.
 */
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateQueueCommand, PurgeQueueCommand, SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { particles } from "@jiti/aws-particles";
import { createElement } from "@jiti/jsx-runtime";
import { listStacks, plan } from "@jiti/reconciler";
import { expect, test } from "vitest";
import { useMoto } from "@jiti/testkit";
import { createScaler, workersFor } from "../examples/self-managing/scaler.js";
import Workers from "../examples/self-managing/stack.js";

useMoto();
const sqs = new SQSClient({});
const ec2 = new EC2Client({});

/** The stack's instances that are running or on their way, by element path: one per worker, none twice. */
async function workers(): Promise<string[]> {
  const out = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        { Name: "tag:jiti:stack", Values: ["queue-workers-test"] },
        { Name: "instance-state-name", Values: ["pending", "running"] },
      ],
    }),
  );
  return out
    .Reservations!.flatMap((r) => r.Instances!)
    .map((i) => i.Tags!.find((t) => t.Key === "jiti:path")!.Value!)
    .sort();
}

async function send(queueUrl: string, count: number) {
  for (let i = 0; i < count; i += 10) {
    const batch = Array.from({ length: Math.min(10, count - i) }, (_, j) => ({ Id: `m${i + j}`, MessageBody: `job ${i + j}` }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch }));
  }
}

test("the plan of a fleet of two from nothing", async () => {
  const { plan: planned } = await plan(createElement(Workers, { env: "test", workers: 2 }, undefined, undefined), { particles });
  expect(planned.actions.map((a) => `${a.action} ${a.path}`)).toMatchSnapshot();
});

test("workersFor: the backlog over what one worker keeps up with, within the bounds", () => {
  const bounds = { perWorker: 10, min: 1, max: 4 };
  expect([0, 1, 10, 11, 25, 40, 1000].map((backlog) => workersFor(backlog, bounds))).toEqual([1, 1, 1, 2, 3, 4, 4]);
});

test("the fleet follows the backlog up and down, holds during the cool-down, stays within its bounds, and is gone after shutdown", async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "jobs" }));
  const scaler = createScaler({ queueUrl: QueueUrl!, env: "test", perWorker: 10, min: 1, max: 4, cooldownMs: 60_000 });
  const minute = 60_000;

  expect(await scaler.tick(0)).toEqual({ backlog: 0, from: 0, to: 1, action: "scaled" });
  expect(await workers()).toEqual(["Vpc:main/Subnet:private/Ec2:worker-0"]);

  await send(QueueUrl!, 25);
  // Within a minute of the last change: the fleet holds.
  expect(await scaler.tick(10_000)).toEqual({ backlog: 25, from: 1, to: 1, action: "cooling down" });
  expect(await workers()).toHaveLength(1);
  expect(await scaler.tick(minute + 1)).toEqual({ backlog: 25, from: 1, to: 3, action: "scaled" });
  expect(await workers()).toEqual([0, 1, 2].map((i) => `Vpc:main/Subnet:private/Ec2:worker-${i}`));
  expect(await scaler.tick(2 * minute + 2)).toMatchObject({ action: "steady", to: 3 });
  // What the scaler applied is what the file renders: planned again, nothing to do.
  const { plan: again } = await plan(createElement(Workers, { env: "test", workers: 3 }, undefined, undefined), { particles });
  expect(again.summary).toEqual({ create: 0, update: 0, replace: 0, delete: 0, noop: 6 });

  // A backlog past what the bound allows: at most four.
  await send(QueueUrl!, 45);
  expect(await scaler.tick(3 * minute)).toEqual({ backlog: 70, from: 3, to: 4, action: "scaled" });
  expect(await workers()).toHaveLength(4);

  // The backlog drained: back down to the minimum, the others terminated.
  await sqs.send(new PurgeQueueCommand({ QueueUrl: QueueUrl! }));
  expect(await scaler.tick(5 * minute)).toEqual({ backlog: 0, from: 4, to: 1, action: "scaled" });
  expect(await workers()).toEqual(["Vpc:main/Subnet:private/Ec2:worker-0"]);

  await scaler.shutdown();
  expect(await workers()).toEqual([]);
  expect(await listStacks({ particles })).toEqual([]);
}, 120_000);
