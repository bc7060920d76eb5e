import { CURRENT_DIR } from '../layout.js';

/**
 * The default process of nodejs services, decided at start because the
 * planner only knows which files exist, not what package.json says.
 */
export const RUN_NODE_SH = `#!/bin/sh
# paas: npm start when package.json has a start script, else server.js, else index.js.
cd ${CURRENT_DIR}
if [ -f package.json ] && node -e 'process.exit(require("./package.json").scripts?.start ? 0 : 1)' 2>/dev/null; then
  exec npm start
fi
for main in server.js index.js; do
  if [ -f "$main" ]; then exec node "$main"; fi
done
echo "paas: no start script in package.json and no server.js or index.js in $(pwd)" >&2
exit 1
`;
