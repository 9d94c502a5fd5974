// `tskernel install` and `tskernel uninstall`: write or remove the Jupyter kernelspec, without needing Python.
import { copyFileSync, existsSync, lstatSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, UsageError } from "./args.js";
import { jupyterDataDir } from "./jupyter-paths.js";
import { KERNEL_ENV } from "./kernel-env.js";
import { makeDirectories } from "../files/make-directories.js";

const LOCATION_HELP = `Location (choose at most one; the default is --user):
  --user            The Jupyter user data directory: $JUPYTER_DATA_DIR if set, else
                    $XDG_DATA_HOME/jupyter or ~/.local/share/jupyter (Linux),
                    ~/Library/Jupyter (macOS), %APPDATA%\\jupyter (Windows).
  --sys-prefix      The active Python environment, found without running Python:
                    $VIRTUAL_ENV if set, else $CONDA_PREFIX if set, else /usr/local.
  --prefix DIR      DIR (as for pip install --prefix).
  With --sys-prefix or --prefix the spec goes to PREFIX/share/jupyter/kernels/NAME.`;

const INSTALL_USAGE = `Usage: tskernel install [--user | --sys-prefix | --prefix DIR] [--name NAME] [--display-name TEXT]

Write the tskernel kernelspec (kernel.json and logos) so that Jupyter can start this kernel.

${LOCATION_HELP}

Options:
  --name NAME           Kernel name, letters, digits, ".", "_" and "-" only (default: tskernel).
                        Jupyter treats names case-insensitively, so it is stored in lower case.
  --display-name TEXT   Name shown in Jupyter's menus (default: "TypeScript (tskernel)").
  -h, --help            Show this help.
`;

const UNINSTALL_USAGE = `Usage: tskernel uninstall [--user | --sys-prefix | --prefix DIR] [--name NAME]

Remove a kernelspec written by tskernel install.

${LOCATION_HELP}

Options:
  --name NAME   Kernel name (default: tskernel).
  -h, --help    Show this help.
`;

const DEFAULT_NAME = "tskernel";
const DEFAULT_DISPLAY_NAME = "TypeScript (tskernel)";

// Resolved from this module's URL so the kernelspec points at this installation whatever the working directory.
// This file runs as dist/src/cli/install.js; the package root is three levels up.
const KERNEL_SCRIPT = fileURLToPath(new URL("../../kernel/tskernel.js", import.meta.url));
const ASSETS_DIR = fileURLToPath(new URL("../../../kernelspec/", import.meta.url));

// Source file in kernelspec/ → file name in the installed spec. Jupyter servers expose files named
// logo-* as resources, and JupyterLab looks for "logo-svg" before "logo-64x64".
const LOGOS: ReadonlyArray<readonly [string, string]> = [
  ["logo.svg", "logo-svg.svg"],
  ["logo-32x32.png", "logo-32x32.png"],
  ["logo-64x64.png", "logo-64x64.png"],
];

const LOCATION_FLAGS = { user: {}, "sys-prefix": {}, help: { short: "h" } };

/** The kernels/ directory selected by the location flags, as an absolute path. */
function kernelsDir(flags: { user: boolean; "sys-prefix": boolean }, prefix: string | undefined): string {
  const chosen = [flags.user && "--user", flags["sys-prefix"] && "--sys-prefix", prefix !== undefined && "--prefix"].filter(Boolean);
  if (chosen.length > 1) {
    throw new UsageError(`${chosen.slice(0, -1).join(", ")} and ${chosen.at(-1)} cannot be combined; choose one location`);
  }
  if (prefix === "") throw new UsageError("--prefix needs a directory; write --prefix DIR");
  if (prefix !== undefined) return path.resolve(prefix, "share", "jupyter", "kernels");
  if (flags["sys-prefix"]) {
    const sysPrefix = process.env.VIRTUAL_ENV || process.env.CONDA_PREFIX || "/usr/local";
    return path.resolve(sysPrefix, "share", "jupyter", "kernels");
  }
  return path.resolve(jupyterDataDir(), "kernels");
}

/** The spec directory for NAME inside kernels/, refusing any name that could point elsewhere. */
function specDir(kernels: string, name: string | undefined): { name: string; dir: string } {
  const chosen = (name ?? DEFAULT_NAME).toLowerCase();
  if (!/^[a-z0-9._-]+$/.test(chosen) || chosen === "." || chosen.includes("..")) {
    throw new UsageError(
      `invalid kernel name ${JSON.stringify(name)}; use only letters, digits, ".", "_" and "-" (no ".."), e.g. --name tskernel-dev`,
    );
  }
  const dir = path.join(kernels, chosen);
  if (path.dirname(dir) !== kernels) throw new UsageError(`kernel name ${JSON.stringify(name)} leaves ${kernels}`);
  return { name: chosen, dir };
}

/** `file`, after removing a symlink standing at that name: writing through it would land outside the spec directory. */
function replaceable(file: string): string {
  if (lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink()) rmSync(file);
  return file;
}

/** Runs a subcommand body, turning a UsageError into a message on stderr and exit code 2. */
function withUsage(usage: string, command: string, body: () => number): number {
  try {
    return body();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`tskernel ${command}: ${e.message}\n\n${usage}`);
    return 2;
  }
}

export async function installCommand(argv: string[]): Promise<number> {
  return withUsage(INSTALL_USAGE, "install", () => {
    const { flags, options } = parseArgs(argv, {
      flags: LOCATION_FLAGS,
      options: { prefix: {}, name: {}, "display-name": {} },
    });
    if (flags.help) {
      process.stdout.write(INSTALL_USAGE);
      return 0;
    }
    const displayName = options["display-name"] ?? DEFAULT_DISPLAY_NAME;
    if (displayName.trim() === "") throw new UsageError('--display-name is empty; write e.g. --display-name "TypeScript"');
    const { name, dir } = specDir(kernelsDir(flags, options.prefix), options.name);

    // A symlink or file here would make us write somewhere other than the directory we report.
    if (existsSync(dir) && !lstatSync(dir).isDirectory()) {
      process.stderr.write(`tskernel install: ${dir} exists and is not a directory; remove it first\n`);
      return 1;
    }
    const replacing = existsSync(path.join(dir, "kernel.json"));
    makeDirectories(dir);
    const spec = {
      argv: [process.execPath, KERNEL_SCRIPT, "kernel", "-f", "{connection_file}"],
      display_name: displayName,
      language: "typescript",
      interrupt_mode: "message",
      metadata: { debugger: false },
      env: KERNEL_ENV,
    };
    writeFileSync(replaceable(path.join(dir, "kernel.json")), JSON.stringify(spec, null, 2) + "\n");
    for (const [source, target] of LOGOS) copyFileSync(path.join(ASSETS_DIR, source), replaceable(path.join(dir, target)));
    process.stdout.write(`${replacing ? "Replacing" : "Installed"} kernelspec ${name} in ${dir}\n`);
    return 0;
  });
}

export async function uninstallCommand(argv: string[]): Promise<number> {
  return withUsage(UNINSTALL_USAGE, "uninstall", () => {
    const { flags, options } = parseArgs(argv, { flags: LOCATION_FLAGS, options: { prefix: {}, name: {} } });
    if (flags.help) {
      process.stdout.write(UNINSTALL_USAGE);
      return 0;
    }
    const { name, dir } = specDir(kernelsDir(flags, options.prefix), options.name);
    // Only a directory holding a kernel.json is a kernelspec; anything else is not ours to delete.
    if (!existsSync(dir) || !lstatSync(dir).isDirectory() || !existsSync(path.join(dir, "kernel.json"))) {
      process.stderr.write(
        `tskernel uninstall: no kernelspec ${name} in ${path.dirname(dir)}; ` +
          `check the location flag (--user, --sys-prefix, --prefix DIR) and --name, or run "jupyter kernelspec list"\n`,
      );
      return 1;
    }
    rmSync(dir, { recursive: true });
    process.stdout.write(`Removed kernelspec ${name} from ${dir}\n`);
    return 0;
  });
}
