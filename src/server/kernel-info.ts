// The kernel_info_reply content, built once at start-up without loading the compiler.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { PROTOCOL_VERSION } from "../protocol/messages.js";

function versionOf(packageJsonUrl: URL | string): string {
  return (JSON.parse(readFileSync(packageJsonUrl, "utf8")) as { version: string }).version;
}

export function kernelInfoContent(): Record<string, unknown> {
  const require = createRequire(import.meta.url);
  const tskernelVersion = versionOf(new URL("../../../package.json", import.meta.url));
  const typescriptVersion = versionOf(require.resolve("typescript/package.json"));
  return {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: "tskernel",
    implementation_version: tskernelVersion,
    language_info: {
      name: "typescript",
      version: typescriptVersion,
      mimetype: "text/typescript",
      file_extension: ".ts",
      pygments_lexer: "typescript",
      codemirror_mode: "typescript",
      nbconvert_exporter: "script",
    },
    banner: `tskernel ${tskernelVersion}: TypeScript ${typescriptVersion} on Node.js ${process.versions.node}`,
    help_links: [
      { text: "TypeScript Handbook", url: "https://www.typescriptlang.org/docs/handbook/intro.html" },
      { text: "Node.js API", url: "https://nodejs.org/docs/latest/api/" },
      { text: "MDN JavaScript Reference", url: "https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference" },
    ],
  };
}
