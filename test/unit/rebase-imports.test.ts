// `%run -i FILE`: FILE's relative imports are rewritten to resolve from the notebook's directory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rebaseImports } from "../../src/magics/rebase-imports.js";

test("every import form's relative specifier is rewritten relative to the notebook; others are left alone", () => {
  const code = [
    "import { a } from './a';",
    'export * from "../shared/b.ts";',
    "import c = require('./c.cjs');",
    "const d = await import('./d');",
    "const e = require(`./e.json`);",
    "import fs from 'node:fs';",
    "import pkg from 'some-package';",
    "const text = './not-a-specifier';",
  ].join("\n");
  assert.equal(
    rebaseImports(code, "/nb/scripts/tools", "/nb"),
    [
      "import { a } from './scripts/tools/a';",
      'export * from "./scripts/shared/b.ts";',
      "import c = require('./scripts/tools/c.cjs');",
      "const d = await import('./scripts/tools/d');",
      "const e = require(`./scripts/tools/e.json`);",
      "import fs from 'node:fs';",
      "import pkg from 'some-package';",
      "const text = './not-a-specifier';",
    ].join("\n"),
  );
});

test("a file outside the notebook's directory gets specifiers that climb out of it; a file in it is unchanged", () => {
  assert.equal(rebaseImports("import { x } from './x';", "/elsewhere", "/nb/deep"), "import { x } from '../../elsewhere/x';");
  const same = "import { x } from './x';";
  assert.equal(rebaseImports(same, "/nb", "/nb"), same);
});
