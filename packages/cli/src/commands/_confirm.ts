import { createInterface } from "node:readline";
import type { Ui } from "../ui.js";

/**
 * Asks for a typed "yes" (as Terraform does) before changing AWS. Ctrl-C or
 * end of input is a no. The question goes where the person at the keyboard
 * sees it: stdout, unless that is JSON or redirected to a file.
 */
export function confirm(ui: Ui, question: string): Promise<boolean> {
  const toStderr = ui.json || !ui.out.isTTY;
  const output = toStderr ? process.stderr : process.stdout;
  const c = toStderr ? ui.err.c : ui.out.c;
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    let answered = false;
    const done = (yes: boolean) => {
      if (answered) return;
      answered = true;
      rl.close();
      resolve(yes);
    };
    // Interrupted or out of input: end the prompt's line before saying no.
    const interrupted = () => {
      if (!answered) output.write("\n");
      done(false);
    };
    rl.on("SIGINT", interrupted);
    rl.on("close", interrupted);
    rl.question(`${question} ${c.dim("Only 'yes' will be accepted:")} `, (answer) => done(answer.trim().toLowerCase() === "yes"));
  });
}
