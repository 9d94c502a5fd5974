// Loading a module for a cell's `import`: Node builtins, packages and files resolved from the
// notebook's directory (the kernel's working directory), as Node resolves them from a file there.
import { createRequire, isBuiltin } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** The notebook's directory: the worker's own working directory cannot be changed (workers cannot chdir). */
let notebookDir = process.cwd();

export function setNotebookDir(dir: string): void {
  notebookDir = dir;
}

export function notebookDirectory(): string {
  return notebookDir;
}

/** Modules the kernel itself provides to cells ("tskernel": the display API), by specifier. */
const kernelModules = new Map<string, Readonly<Record<string, unknown>>>();

export function provideKernelModule(specifier: string, exports: Record<string, unknown>): void {
  kernelModules.set(specifier, Object.freeze({ ...exports }));
}

export function sessionRequire(dir = notebookDir): NodeJS.Require {
  return createRequire(join(dir, "[notebook]"));
}

export async function importFromSession(specifier: string): Promise<unknown> {
  const provided = kernelModules.get(specifier);
  if (provided) return provided;
  if (isBuiltin(specifier)) return import(specifier);
  const require = sessionRequire();
  let resolved: string;
  try {
    resolved = require.resolve(specifier);
  } catch {
    throw new Error(
      `Cannot find module "${specifier}": looked in node_modules from ${notebookDir} upward and relative to it. ` +
        `Install it with npm in the notebook's directory, or check the path.`,
    );
  }
  if (resolved.endsWith(".json")) return { default: require(resolved) };
  return import(pathToFileURL(resolved).href);
}
