#!/usr/bin/env node
// The `music-apis-server` command. It is a file of its own, not dist/cli.js itself, because pnpm
// links the bins of workspace packages at install time, before anything is built: a bin pointing
// into dist/ made every install in a fresh clone warn "Failed to create bin … music-apis-server".
import '../dist/cli.js';
