// A kernel's history traffic without the kernel: `node history-writer.js FILE COUNT` prints "ready",
// waits for a line on stdin (so that several writers start at the same moment), starts a session in
// FILE, records COUNT inputs and outputs as fast as it can, then prints its session number and id.
import { once } from "node:events";
import { HistoryFile } from "../../src/server/history-file.js";

const [path, count] = process.argv.slice(2);
process.stdout.write("ready\n");
await once(process.stdin, "data");
process.stdin.pause();
const file = new HistoryFile(path);
file.start();
for (let line = 1; line <= Number(count); line++) {
  file.appendInput(line, `cell ${line} of ${file.id}`);
  file.appendOutput(line, `${line}`);
}
process.stdout.write(`${await file.sessionNumber()} ${file.id}\n`);
