#!/usr/bin/env node
// The `caregraph` command. Node ≥ 22.18 runs the TypeScript sources directly.
import { main } from '../src/index.ts';

process.exitCode = await main(process.argv);
