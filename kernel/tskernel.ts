#!/usr/bin/env node
// The `tskernel` command: parses the subcommand and loads only the part it needs, to keep start-up short.
import { readFileSync } from "node:fs";

const USAGE = `tskernel: a Jupyter kernel for TypeScript

Usage:
  tskernel install [--user | --sys-prefix | --prefix DIR] [--name NAME] [--display-name TEXT]
      Write the kernelspec to DIR/share/jupyter/kernels/NAME/ (default name: tskernel).
  tskernel uninstall [--user | --sys-prefix | --prefix DIR] [--name NAME]
      Remove that kernelspec.
  tskernel kernel -f CONNECTION_FILE
      Run the kernel (this is what Jupyter starts through the kernelspec).
  tskernel run NOTEBOOK.ipynb [-o OUT.ipynb] [--timeout SECONDS]
      Execute every code cell of a notebook with the kernel; no Python or Jupyter needed.
  tskernel --version | --help
`;

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "install":
      return (await import("../src/cli/install.js")).installCommand(rest);
    case "uninstall":
      return (await import("../src/cli/install.js")).uninstallCommand(rest);
    case "kernel":
      return (await import("../src/cli/kernel.js")).kernelCommand(rest);
    case "run":
      return (await import("../src/cli/run.js")).runCommand(rest);
    case "--version":
    case "-V":
      process.stdout.write(`tskernel ${packageVersion()}\n`);
      return 0;
    case undefined:
    case "--help":
    case "-h":
    case "help":
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`tskernel: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // `kernel` keeps running until shutdown; every other command ends here.
    if (code >= 0) process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`tskernel: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
