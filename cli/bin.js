#!/usr/bin/env node
// `hookrelay`: the command line for a hookrelay deployment. Plain ESM JavaScript (types checked by
// tsc --checkJs, tsconfig.cli.json), so `npx hookrelay` runs on Node 20 and 22 with no build step.
import { run } from "./program.js";

process.exitCode = await run(process.argv);
