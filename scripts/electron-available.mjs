#!/usr/bin/env node
// Exit 0 when a runnable Electron binary is installed, 1 otherwise; prints nothing either way.
// scripts/start.sh uses it to choose between `electron-forge start` and browser mode.
//
// It must not require('electron'): that package's index.js downloads the binary when it is missing.
// Instead it checks what that index.js would return: node_modules/electron/path.txt names the executable
// relative to node_modules/electron/dist (or to ELECTRON_OVERRIDE_DIST_PATH when set).
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const electronDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'electron');

function readPathTxt() {
  try {
    return readFileSync(join(electronDir, 'path.txt'), 'utf8').trim();
  } catch {
    return ''; // no path.txt: electron's install step never completed
  }
}

function available() {
  try {
    const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
    // Same rule as electron's index.js: with an override, path.txt is optional and defaults to "electron".
    const executable = readPathTxt() || (override ? 'electron' : '');
    if (!executable) return false;
    const binary = join(override || join(electronDir, 'dist'), executable);
    if (!statSync(binary).isFile()) return false;
    accessSync(binary, constants.X_OK);
    return true;
  } catch {
    // No path.txt, no binary, or not executable: all mean "not available", which is the answer asked for.
    return false;
  }
}

process.exit(available() ? 0 : 1);
