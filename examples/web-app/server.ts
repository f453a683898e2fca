import { createServer } from "node:http";

/** The app the stack deploys: a small HTTP server, bundled into the instance's user data. */
const port = Number(process.env.PORT ?? 8080);
const started = new Date().toISOString();

const server = createServer((req, res) => {
  if (req.url === "/health") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: true, started }));
    return;
  }
  res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
  res.end(`Hello from jiti on ${process.env.HOSTNAME ?? "an EC2 instance"}\n`);
});

server.listen(port, () => console.log(`listening on :${port}`));
