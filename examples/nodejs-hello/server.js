// A Node.js http server with no dependencies; paas gives it $PORT.
const http = require('node:http');

const port = Number(process.env.PORT || 8080);
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(req.url === '/health' ? 'ok\n' : 'Hello from nodejs-hello\n');
});
server.listen(port, () => console.log(`nodejs-hello listening on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
