// The Node peer of the proxy workload: GET /proxy fetches $UPSTREAM/hello
// with Node's built-in fetch (undici) and answers its body; GET /hello is
// the readiness probe. Listens on 127.0.0.1:$PORT.
"use strict";
const http = require("node:http");
const upstream = process.env.UPSTREAM + "/hello";
http
  .createServer(async (req, res) => {
    if (req.url === "/hello") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("Hello World");
      return;
    }
    try {
      const r = await fetch(upstream);
      const text = await r.text();
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(text);
    } catch (e) {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(String(e));
    }
  })
  .listen(Number(process.env.PORT), "127.0.0.1");
