// Loaded with `node -r` so that tests marked "// node: yes" run unchanged under Node.
global.rt = { env: process.env, argv: process.argv.slice(0), version: process.version, backend: 'node' };
