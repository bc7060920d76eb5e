import { CURRENT_DIR } from '../layout.js';

/**
 * The default process of nodejs services, decided at start because the
 * planner only knows which files exist, not what package.json says. dotCloud
 * ran `node server.js`; apps written for it expect that first.
 */
export const RUN_NODE_SH = `#!/bin/sh
# paas: node server.js when there is one, else npm start when package.json has a start script, else index.js.
cd ${CURRENT_DIR}
if [ -f server.js ]; then exec node server.js; fi
if [ -f package.json ] && node -e 'process.exit(require("./package.json").scripts?.start ? 0 : 1)' 2>/dev/null; then
  exec npm start
fi
if [ -f index.js ]; then exec node index.js; fi
echo "paas: no server.js, no start script in package.json and no index.js in $(pwd)" >&2
exit 1
`;
