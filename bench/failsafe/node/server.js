// A misbehaving Node.js app for bench/failsafe.ts: one route per case, no dependencies.
const http = require('node:http');

const BIG = Buffer.alloc(100 * 1024, 'x');
const CHUNK = Buffer.alloc(64 * 1024, 'y');
const kept = [];

function cpu() {
  // About 50 ms of pure computation on one core.
  let n = 0;
  for (let i = 0; i < 800_000; i++) n = (n + i * i) % 7;
  return String(n);
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

http
  .createServer((req, res) => {
    const path = req.url.split('?')[0];
    if (path === '/' || path === '/health') return send(res, 200, 'ok');
    if (path === '/cpu') return send(res, 200, cpu());
    if (path === '/big') return send(res, 200, BIG);
    if (path === '/sleep') return setTimeout(() => send(res, 200, 'slept'), 1000);
    if (path === '/wedge' || path === '/spin') for (;;) {}
    if (path === '/segv') return process.kill(process.pid, 'SIGSEGV');
    if (path === '/leak') {
      kept.push(Buffer.alloc(10 * 1024 * 1024, 1));
      return send(res, 200, `${kept.length * 10} MB kept`);
    }
    if (path === '/upload') {
      let total = 0;
      req.on('data', (d) => (total += d.length));
      req.on('end', () => send(res, 200, String(total)));
      return;
    }
    if (path === '/download') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 160 * CHUNK.length });
      let left = 160;
      const more = () => {
        while (left > 0) {
          left--;
          if (!res.write(CHUNK)) return res.once('drain', more);
        }
        res.end();
      };
      return more();
    }
    send(res, 404, 'not found');
  })
  .listen(Number(process.env.PORT ?? 8080));
