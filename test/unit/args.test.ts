import { test } from "node:test";
import assert from "node:assert/strict";
import { parseArgs, UsageError } from "../../src/cli/args.js";

const spec = {
  flags: { user: {}, verbose: { short: "v" } },
  options: { name: {}, file: { short: "f" } },
};

test("flags default to false and are set when given", () => {
  assert.deepEqual(parseArgs([], spec), { flags: { user: false, verbose: false }, options: {}, positionals: [] });
  const parsed = parseArgs(["--user", "-v"], spec);
  assert.deepEqual(parsed.flags, { user: true, verbose: true });
});

test("options accept --opt value, --opt=value, -o value and -ovalue", () => {
  assert.equal(parseArgs(["--name", "a"], spec).options.name, "a");
  assert.equal(parseArgs(["--name=b"], spec).options.name, "b");
  assert.equal(parseArgs(["-f", "c.json"], spec).options.file, "c.json");
  assert.equal(parseArgs(["-fd.json"], spec).options.file, "d.json");
  assert.equal(parseArgs(["--name=-dash"], spec).options.name, "-dash");
  // The last occurrence wins, as in most command-line tools.
  assert.equal(parseArgs(["--name", "x", "--name", "y"], spec).options.name, "y");
});

test("positionals are refused unless the spec allows them", () => {
  assert.throws(() => parseArgs(["extra"], spec), (e: unknown) => e instanceof UsageError && /unexpected argument "extra"/.test(e.message));
  const parsed = parseArgs(["in.ipynb", "--user", "--", "--not-an-option"], { ...spec, positionals: 2 });
  assert.deepEqual(parsed.positionals, ["in.ipynb", "--not-an-option"]);
  assert.equal(parsed.flags.user, true);
});

test("mistakes throw UsageError naming the problem and the fix", () => {
  const cases: Array<[string[], RegExp]> = [
    [["--nope"], /unknown option --nope; run with --help/],
    [["-x"], /unknown option -x/],
    [["--name"], /--name needs a value; write --name VALUE/],
    [["-f"], /-f needs a value/],
    // A forgotten value must not swallow the next option.
    [["--name", "--user"], /--name needs a value/],
    [["--user=yes"], /--user takes no value; write just --user/],
  ];
  for (const [argv, message] of cases) {
    assert.throws(
      () => parseArgs(argv, spec),
      (e: unknown) => e instanceof UsageError && e.name === "UsageError" && message.test(e.message),
      argv.join(" "),
    );
  }
});
