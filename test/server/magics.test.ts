// The environment, shell and output-cell magics, as a notebook user runs them (in-memory transport, real engine).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryKernel, resultText, silentLogger, streamText } from "../support/memory-kernel.js";
import { WorkerEngine } from "../../src/engine/worker-engine.js";
import { SessionHistory } from "../../src/server/history.js";

describe("environment, shell and output magics (in-memory transport, real engine)", () => {
  const k = new MemoryKernel();
  const startDir = process.cwd();
  before(() => k.start());
  // %cd changes this process's directory: the engine runs in the test's own process.
  after(async () => {
    process.chdir(startDir);
    await k.close();
  });

  test("%pwd and %cd: the working directory changes for cells, files and commands; - goes back", async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "tsk-cd-")));
    writeFileSync(join(dir, "here.txt"), "found");
    assert.equal(resultText(await k.execute("%pwd")), `'${startDir}'`);
    assert.equal(streamText(await k.execute(`%cd ${dir}`)), `${dir}\n`);
    assert.equal(resultText(await k.execute("require('node:fs').readFileSync('here.txt', 'utf8')")), "'found'");
    assert.equal(streamText(await k.execute("!pwd")), `${dir}\n`);
    assert.equal(streamText(await k.execute("%cd -")), `${startDir}\n`);
    const missing = await k.execute("%cd /no/such/dir");
    assert.equal(missing.reply.content.ename, "UsageError");
    assert.match(missing.reply.content.evalue as string, /cannot change to \/no\/such\/dir/);
  });

  test("process.chdir() in a cell changes the directory, as %cd does; a missing directory throws Node's error", async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "tsk-chdir-")));
    writeFileSync(join(dir, "there.txt"), "read relative");
    assert.equal(resultText(await k.execute(`process.chdir(${JSON.stringify(dir)}); process.cwd()`)), `'${dir}'`);
    assert.equal(resultText(await k.execute("require('node:fs').readFileSync('there.txt', 'utf8')")), "'read relative'");
    assert.equal(resultText(await k.execute("%pwd")), `'${dir}'`);
    const failed = await k.execute("let chdirError: any;\ntry { process.chdir('/no/such/dir') } catch (e) { chdirError = e }\n[chdirError.code, chdirError.syscall, process.cwd() === " + JSON.stringify(dir) + "]");
    assert.equal(resultText(failed), "[ 'ENOENT', 'chdir', true ]");
    assert.equal(resultText(await k.execute(`process.chdir(${JSON.stringify(startDir)}); process.cwd()`)), `'${startDir}'`);
  });

  test("%env shows and sets variables that cells and commands see", async () => {
    assert.equal(streamText(await k.execute("%env TSK_GREETING=hello there")), "env: TSK_GREETING=hello there\n");
    assert.equal(streamText(await k.execute("%env TSK_GREETING")), "hello there\n");
    assert.equal(resultText(await k.execute("process.env.TSK_GREETING")), "'hello there'");
    assert.equal(streamText(await k.execute("!echo $TSK_GREETING")), "hello there\n");
    assert.equal(resultText(await k.execute("%env\n")) !== undefined, true, "%env alone returns the environment");
    assert.match((await k.execute("%env TSK_NEVER_SET")).reply.content.evalue as string, /TSK_NEVER_SET is not set/);
  });

  test("!cmd and %%sh/%%bash stream stdout and stderr; a failing script fails the cell, !cmd reports it", async () => {
    const both = await k.execute("!echo out; echo err >&2");
    assert.equal(streamText(both), "out\n");
    assert.equal(streamText(both, "stderr"), "err\n");
    assert.equal(streamText(await k.execute("!exit 3"), "stderr"), "(the command exited with status 3)\n");
    assert.equal(streamText(await k.execute("%%bash\nfor i in 1 2 3; do echo \"line $i\"; done")), "line 1\nline 2\nline 3\n");
    const failing = await k.execute("%%sh\necho before; exit 2");
    assert.equal(streamText(failing), "before\n");
    assert.equal(failing.reply.content.ename, "CalledProcessError");
    assert.match(failing.reply.content.evalue as string, /returned non-zero exit status 2/);
    assert.equal((await k.execute("%%sh --no-raise-error\nexit 2")).reply.content.status, "ok");
  });

  test("a long-running command streams before it ends and stops on interrupt", async () => {
    const running = k.execute("%%sh\necho started; sleep 30; echo never");
    await k.waitFor(() => k.sent.some((s) => s.msg.header.msg_type === "stream" && String(s.msg.content.text).includes("started")));
    await k.call("control", "interrupt_request", {});
    const ex = await running;
    assert.equal(ex.reply.content.ename, "KeyboardInterrupt");
    assert.doesNotMatch(streamText(ex), /never/);
  });

  test("%%html, %%markdown, %%svg and %%latex display the body as their MIME type", async () => {
    for (const [magic, mime] of [["html", "text/html"], ["markdown", "text/markdown"], ["svg", "image/svg+xml"], ["latex", "text/latex"]]) {
      const ex = await k.execute(`%%${magic}\n<body of ${magic}>`);
      const shown = ex.iopub.filter((m) => m.header.msg_type === "display_data").map((m) => m.content.data as Record<string, string>);
      assert.deepEqual(shown, [{ [mime]: `<body of ${magic}>`, "text/plain": `<body of ${magic}>` }], magic);
    }
    assert.equal((await k.execute("%%html extra\nx")).reply.content.ename, "UsageError");
  });

  test("%load puts a file's text in the cell through a set_next_input payload", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "tsk-load-")), "snippet.ts");
    writeFileSync(file, "const loaded = 1;\n");
    const ex = await k.execute(`%load ${file}`);
    assert.deepEqual(ex.reply.content.payload, [{ source: "set_next_input", text: `// %load ${file}\nconst loaded = 1;\n`, replace: true }]);
    assert.match((await k.execute("%load /no/such/file.ts")).reply.content.evalue as string, /cannot read \/no\/such\/file\.ts: no such file/);
    // A device that never ends is refused, not read until memory runs out.
    assert.match((await k.execute("%load /dev/zero")).reply.content.evalue as string, /^%load: \/dev\/zero is not a file \(a folder, a device or a pipe\); give a file$/);
  });
});

describe("%history (in-memory transport, real engine)", () => {
  const history = new SessionHistory();
  const k = new MemoryKernel(new WorkerEngine(silentLogger(), mkdtempSync(join(tmpdir(), "tsk-notebook-")), { history }), "key", history);
  before(() => k.start());
  after(() => k.close());

  test("shows this session's inputs, numbered, with outputs, a range, the last N, or a search", async () => {
    await k.execute("const first = 1");
    await k.execute("first + 1");
    await k.execute("function twoLines() {\n  return first\n}");
    assert.equal(streamText(await k.execute("%history")), "const first = 1\nfirst + 1\nfunction twoLines() {\n  return first\n}\n%history\n");
    assert.equal(streamText(await k.execute("%history -n 1-2")), "  1: const first = 1\n  2: first + 1\n");
    assert.equal(streamText(await k.execute("%history -n 3")), "  3: function twoLines() {\n       return first\n     }\n");
    assert.equal(streamText(await k.execute("%history -o 2")), "first + 1\n-> 2\n");
    assert.equal(streamText(await k.execute("%history -l 2")), "%history -o 2\n%history -l 2\n");
    assert.equal(streamText(await k.execute("%history -g first")), "1/1: const first = 1\n1/2: first + 1\n1/3: function twoLines() {\n       return first\n     }\n1/9: %history -g first\n");
    await k.execute("first * 3\n");
    assert.equal(streamText(await k.execute("%history -n -l 2")), " 10: first * 3\n 11: %history -n -l 2\n", "a cell's final line break adds no empty line");
  });

  test("bad ranges and options are usage errors", async () => {
    assert.match((await k.execute("%history 5-2")).reply.content.evalue as string, /ends before it starts/);
    assert.match((await k.execute("%history abc")).reply.content.evalue as string, /"abc" is not a range/);
    assert.match((await k.execute("%history -l 0")).reply.content.evalue as string, /-l takes a whole number/);
  });
});
