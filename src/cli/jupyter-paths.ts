// Where Jupyter keeps per-user data, as jupyter_core decides it, and tskernel's history file inside it;
// where tskernel keeps its cache of compiled modules.
import { homedir } from "node:os";
import path from "node:path";

export interface Platform {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  home: string;
}

const here = (): Platform => ({ env: process.env, platform: process.platform, home: homedir() });

/** $JUPYTER_DATA_DIR, else the platform's user data directory for Jupyter. */
export function jupyterDataDir({ env, platform, home }: Platform = here()): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  if (platform === "darwin") return path.posix.join(home, "Library", "Jupyter");
  if (platform === "win32") {
    return env.APPDATA
      ? path.win32.join(env.APPDATA, "jupyter")
      : path.win32.join(env.JUPYTER_CONFIG_DIR || path.win32.join(home, ".jupyter"), "data");
  }
  return path.posix.join(env.XDG_DATA_HOME || path.posix.join(home, ".local", "share"), "jupyter");
}

/** $TSKERNEL_HISTORY_FILE, else tskernel/history/history.jsonl in the Jupyter data directory. */
export function historyFilePath(where: Platform = here()): string {
  const p = where.platform === "win32" ? path.win32 : path.posix;
  const override = where.env.TSKERNEL_HISTORY_FILE;
  return override ? p.resolve(override) : p.join(jupyterDataDir(where), "tskernel", "history", "history.jsonl");
}

/**
 * The directory of compiled local modules (a cache: deleting it loses only time): under
 * $TSKERNEL_CACHE_DIR if set (set but empty turns the cache off: undefined), else under the platform's
 * user cache directory.
 */
export function moduleCacheDir(where: Platform = here()): string | undefined {
  const { env, platform, home } = where;
  const p = platform === "win32" ? path.win32 : path.posix;
  const override = env.TSKERNEL_CACHE_DIR;
  if (override !== undefined) return override === "" ? undefined : p.resolve(override, "modules");
  if (platform === "darwin") return p.join(home, "Library", "Caches", "tskernel", "modules");
  if (platform === "win32") return p.join(env.LOCALAPPDATA || p.join(home, "AppData", "Local"), "tskernel", "cache", "modules");
  return p.join(env.XDG_CACHE_HOME || p.join(home, ".cache"), "tskernel", "modules");
}
