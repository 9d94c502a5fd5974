// `await input(prompt)` and `await input.password(prompt)`: the main thread sends an input_request to
// the front end that ran the calling cell (found by the cell's async context) and answers with the reply.
import { describeType } from "../../display/bundle.js";
import type { MainThread } from "./main-thread.js";
import type { OutputRouter } from "./output.js";

/** The front end cannot answer (allow_stdin false, or the cell has ended): IPython's name for it. */
class StdinNotImplementedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StdinNotImplementedError";
  }
}

export function installInput(router: OutputRouter, mainThread: MainThread): { input: unknown } {
  const ask = async (who: string, prompt: unknown, password: boolean): Promise<string> => {
    if (typeof prompt !== "string") throw new TypeError(`${who} expects its prompt as a string; got ${describeType(prompt)}`);
    try {
      return await mainThread.ask(router.currentCell(), { kind: "input", prompt, password });
    } catch (e) {
      throw new StdinNotImplementedError(e instanceof Error ? e.message : String(e));
    }
  };
  const input = Object.assign((prompt: unknown = "") => ask("input", prompt, false), {
    password: (prompt: unknown = "") => ask("input.password", prompt, true),
  });
  Object.assign(globalThis, { input });
  return { input };
}
