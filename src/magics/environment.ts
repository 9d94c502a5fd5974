// %pwd, %cd, %env and %load: the kernel's working directory, its environment, and loading a file into
// the next cell.
import { readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { resolve } from "node:path";
import { UsageError, type Magic } from "./registry.js";

export interface EnvironmentTarget {
  /** Changes the kernel process's working directory; resolves with the new one. */
  chdir(dir: string): Promise<string>;
}

export const pwdMagic: Magic<unknown> = {
  name: "pwd",
  kind: "line",
  summary: "return the kernel's working directory",
  usage: "%pwd",
  run({ args }) {
    if (args.length > 0) throw new UsageError("%pwd takes no arguments");
    return { value: process.cwd() };
  },
};

let previousDir: string | undefined;

export const cdMagic: Magic<EnvironmentTarget> = {
  name: "cd",
  kind: "line",
  summary: "change the kernel's working directory",
  usage:
    "%cd [DIR | -]\nWithout DIR, goes to your home directory; `-` goes back to the previous one.\n" +
    "Files and shell commands use the new directory; imports keep resolving from the notebook's directory.",
  async run({ args }, { chdir }) {
    if (args.length > 1) throw new UsageError(`%cd takes one directory, not ${args.length}; quote a path with spaces: %cd "my dir"`);
    const target = args.length === 0 ? homedir() : args[0] === "-" ? previousDir : resolve(args[0]);
    if (target === undefined) throw new UsageError("%cd -: there is no previous directory yet");
    const before = process.cwd();
    let now: string;
    try {
      now = await chdir(target);
    } catch (e) {
      throw new UsageError(`%cd: cannot change to ${target}: ${(e as Error).message}`);
    }
    previousDir = before;
    return { output: `${now}\n` };
  },
};

export const envMagic: Magic<unknown> = {
  name: "env",
  kind: "line",
  summary: "show or set environment variables",
  usage:
    "%env              return all environment variables\n" +
    "%env NAME         show one\n" +
    "%env NAME=VALUE   set one (also: %env NAME VALUE)\n" +
    "Commands run with ! and %%sh, and process.env in cells, see the change.",
  run({ args }) {
    if (args.length === 0) return { value: { ...process.env } };
    const [first, ...rest] = args;
    const eq = first.indexOf("=");
    if (eq > 0 || rest.length > 0) {
      const name = eq > 0 ? first.slice(0, eq) : first;
      const value = eq > 0 ? [first.slice(eq + 1), ...rest].join(" ") : rest.join(" ");
      process.env[name] = value;
      return { output: `env: ${name}=${value}\n` };
    }
    const value = process.env[first];
    if (value === undefined) throw new UsageError(`%env: ${first} is not set; set it with %env ${first}=VALUE`);
    return { output: `${value}\n` };
  },
};

export const loadMagic: Magic<unknown> = {
  name: "load",
  kind: "line",
  summary: "replace this cell with the contents of a file",
  usage: "%load FILE\nThe cell's text becomes `// %load FILE` and the file; run the cell again to run it.",
  run({ args }) {
    if (args.length !== 1) throw new UsageError("%load takes one file, for example: %load helpers.ts");
    let text: string;
    try {
      const path = resolve(args[0]);
      // A device or a pipe may never end (/dev/zero): only a file is read.
      if (!statSync(path).isFile()) throw new UsageError(`%load: ${args[0]} is not a file (a folder, a device or a pipe); give a file`);
      text = readFileSync(path, "utf8");
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`%load: cannot read ${args[0]}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
    }
    return { payload: [{ source: "set_next_input", text: `// %load ${args[0]}\n${text}`, replace: true }] };
  },
};

export const environmentMagics = [pwdMagic, cdMagic, envMagic, loadMagic];
