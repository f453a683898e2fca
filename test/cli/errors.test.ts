import { ApplyError } from "@jiti/reconciler";
import { describe, expect, test } from "vitest";
import type { Colors } from "../../packages/cli/src/ui.js";
import { showError } from "../../packages/cli/src/show/errors.js";

/** No colour: every style returns its text. */
const plain = new Proxy({}, { get: () => (text: string) => text }) as Colors;

describe("how an apply that did not finish is shown", () => {
  test("an interruption is not a failure: no cause to fix, no list of skipped steps", () => {
    const error = new ApplyError({
      outputs: {},
      live: {},
      failures: [],
      skipped: ["create Vpc:main/Subnet:a", "create Vpc:main/Subnet:a/Ec2:web"],
      journal: [],
      interrupted: { notStarted: 2, reason: "interrupted by Ctrl-C" },
    });
    const shown = showError(error, plain, { command: "render", debug: false });
    expect(shown.text).toMatchInlineSnapshot(`
      "interrupted: interrupted by Ctrl-C; 2 steps did not start. The steps in flight finished.

      What was done is kept. Run \`jiti render\` again to finish: it continues from where this run stopped."
    `);
    expect(shown.json).toMatchObject({ error: "interrupted", interrupted: { notStarted: 2 } });
  });
});
