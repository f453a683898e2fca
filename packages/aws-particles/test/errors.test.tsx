import { DeleteSubnetCommand, DescribeVpcsCommand, EC2Client, EC2ServiceException } from "@aws-sdk/client-ec2";
import { GetRoleCommand, IAMClient, IAMServiceException, NoSuchEntityException } from "@aws-sdk/client-iam";
import { apply, ApplyError, Stack } from "@jiti/reconciler";
import { describe, expect, test } from "vitest";
import { useMoto } from "@jiti/testkit";
import { ec2, iam } from "../src/aws/clients.js";
import { hasCode, readAwsError, type AwsErrorInfo } from "../src/aws/errors.js";
import { WaitTimeoutError } from "../src/aws/wait.js";
import { Role } from "../src/iam/Role.js";
import { particleContext } from "./context.js";

useMoto();

/** An AWS error as the SDK builds it from an answer. */
function ec2Error(name: string, $fault: "client" | "server", requestId = "req-1") {
  return new EC2ServiceException({ name, $fault, $metadata: { httpStatusCode: 400, requestId }, message: `${name} happened` });
}

/** The promise's rejection, to look at. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable("the call succeeded"),
    (error: unknown) => error,
  );
}

describe("readAwsError", () => {
  const retryable = Object.assign(ec2Error("SomeModelledError", "client"), { $retryable: {} });
  test.each<[string, unknown, AwsErrorInfo | undefined]>([
    [
      "EC2 throttling is transient",
      ec2Error("RequestLimitExceeded", "client"),
      {
        code: "RequestLimitExceeded",
        requestId: "req-1",
        message: "RequestLimitExceeded happened",
        transient: true,
        throttled: true,
        refused: true,
        fault: "client",
      },
    ],
    [
      "IAM throttling is transient",
      new IAMServiceException({ name: "Throttling", $fault: "client", $metadata: { requestId: "req-2" }, message: "Rate exceeded" }),
      {
        code: "Throttling",
        requestId: "req-2",
        message: "Rate exceeded",
        transient: true,
        throttled: true,
        refused: true,
        fault: "client",
      },
    ],
    [
      "a DependencyViolation is not transient",
      ec2Error("DependencyViolation", "client"),
      {
        code: "DependencyViolation",
        requestId: "req-1",
        message: "DependencyViolation happened",
        transient: false,
        throttled: false,
        refused: true,
        fault: "client",
      },
    ],
    [
      "a server fault is transient, whatever its code",
      ec2Error("InsufficientInstanceCapacity", "server"),
      {
        code: "InsufficientInstanceCapacity",
        requestId: "req-1",
        message: "InsufficientInstanceCapacity happened",
        transient: true,
        throttled: false,
        // A server error leaves it open whether the change was made.
        refused: false,
        fault: "server",
      },
    ],
    [
      "an error the service models as retryable is transient",
      retryable,
      {
        code: "SomeModelledError",
        requestId: "req-1",
        message: "SomeModelledError happened",
        transient: true,
        throttled: false,
        refused: true,
        fault: "client",
      },
    ],
    ["an error not from an SDK call is none", new Error("boom"), undefined],
    ["nor is one of jiti's own", new WaitTimeoutError("timed out"), undefined],
    ["nor a thrown string", "boom", undefined],
  ])("%s", (_, error, expected) => {
    expect(readAwsError(error)).toEqual(expected);
  });

  test("reads AWS's code and request id from a real answer; IAM's code is not its class name", async () => {
    const vpcs = await failure(new EC2Client({}).send(new DescribeVpcsCommand({ VpcIds: ["vpc-0123456789abcdef0"] })));
    expect(readAwsError(vpcs)).toEqual({
      code: "InvalidVpcID.NotFound",
      requestId: expect.stringMatching(/^\S+$/),
      message: expect.stringContaining("vpc-0123456789abcdef0"),
      transient: false,
      throttled: false,
      refused: true,
      fault: "client",
    });

    const role = await failure(new IAMClient({}).send(new GetRoleCommand({ RoleName: "nobody" })));
    expect(role).toBeInstanceOf(NoSuchEntityException);
    expect(readAwsError(role)).toMatchObject({ code: "NoSuchEntity", requestId: expect.stringMatching(/^\S+$/), transient: false });
  });

  test("EC2's throttling answer is a 503 and still a refusal", () => {
    const throttled = new EC2ServiceException({
      name: "RequestLimitExceeded",
      $fault: "server",
      $metadata: { httpStatusCode: 503, requestId: "req-3" },
      message: "Request limit exceeded.",
    });
    expect(readAwsError(throttled)).toMatchObject({ throttled: true, refused: true, fault: "server" });
  });

  test("a call that reached no one is transient and has no request id", async () => {
    const client = new EC2Client({ endpoint: "http://127.0.0.1:9", maxAttempts: 1 });
    const info = readAwsError(await failure(client.send(new DescribeVpcsCommand({}))));
    // No answer: nothing says whether a change was made.
    expect(info).toMatchObject({ code: "ECONNREFUSED", transient: true, refused: false });
    expect(info).not.toHaveProperty("requestId");
    expect(info).not.toHaveProperty("fault");
  });
});

describe("the clients of a run", () => {
  test("give a failed call's error AWS's code and request id, and leave it the SDK's error", async () => {
    const ctx = particleContext();
    const subnet = await failure(ec2(ctx).send(new DeleteSubnetCommand({ SubnetId: "subnet-0123456789abcdef0" })));
    expect(subnet).toBeInstanceOf(EC2ServiceException);
    expect(subnet).toMatchObject({ code: "InvalidSubnetID.NotFound", name: "InvalidSubnetID.NotFound" });
    expect((subnet as { requestId?: unknown }).requestId).toBe((subnet as EC2ServiceException).$metadata.requestId);
    expect(hasCode(subnet, "InvalidSubnetID.NotFound")).toBe(true);

    const role = await failure(iam(ctx).send(new GetRoleCommand({ RoleName: "nobody" })));
    expect(role).toBeInstanceOf(NoSuchEntityException);
    expect(role).toMatchObject({ code: "NoSuchEntity", name: "NoSuchEntityException", requestId: expect.stringMatching(/^\S+$/) });
  });

  test("still let the SDK retry a throttled call: the error is read once its retries gave up", async () => {
    const ctx = particleContext();
    const client = ec2(ctx);
    let throttled = 0;
    // Inside the SDK's retry loop, as AWS's answer would be: throttle the first attempt only.
    client.middlewareStack.add(
      (next) => async (args) => {
        if (throttled++ === 0) throw ec2Error("RequestLimitExceeded", "client");
        return next(args);
      },
      { step: "deserialize", name: "throttleOnce" },
    );
    const answer = await client.send(new DescribeVpcsCommand({}));
    expect(answer.Vpcs).toBeDefined();
    expect(throttled).toBe(2);
  });

  test("a failed apply reports AWS's code and request id for the element", async () => {
    const stack = (
      <Stack name="errors">
        <Role name="app" assumedBy="ec2.amazonaws.com" managedPolicies={["arn:aws:iam::123456789012:policy/missing"]} />
      </Stack>
    );
    const error = await failure(apply(stack));
    expect(error).toBeInstanceOf(ApplyError);
    expect((error as ApplyError).result.failures).toEqual([
      // The policies are put once the role exists: the step that completes its create.
      expect.objectContaining({ path: "Role:app", step: "configure", code: "NoSuchEntity", requestId: expect.stringMatching(/^\S+$/) }),
    ]);
  });
});
