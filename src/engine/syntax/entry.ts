// Inside the syntax thread: answers is_complete from the code's text alone, so the answer never waits
// for the engine worker while it loads the compiler, warms the type checker or runs a cell.
import { parentPort } from "node:worker_threads";
import { isComplete } from "../../language/is-complete.js";
import type { SyntaxReply, SyntaxRequest } from "./syntax-thread.js";

parentPort!.on("message", (m: SyntaxRequest) => {
  parentPort!.postMessage({ id: m.id, value: isComplete(m.code) } satisfies SyntaxReply);
});
