// A dependency-free static server for the workshop page, listening on
// $VITE_PORT (8080 in compose.yaml). nginx sends every path except /api/ here.
const http = require("http");
const fs = require("fs");
const path = require("path");

const PORT = Number(process.env.VITE_PORT || 8080);
const ROOT = path.join(__dirname, "public");
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
};

/** Maps a URL path to a file under ROOT, or null when it would leave ROOT. */
function resolve(urlPath) {
  let rel;
  try {
    rel = decodeURIComponent(urlPath.split("?")[0]);
  } catch {
    return null;
  }
  if (rel === "/" || rel === "") rel = "/index.html";
  const file = path.normalize(path.join(ROOT, rel));
  return file.startsWith(ROOT + path.sep) ? file : null;
}

const server = http.createServer((req, res) => {
  const file = resolve(req.url || "/");
  if (!file) {
    res.writeHead(400, { "content-type": "text/plain" });
    return res.end("bad path\n");
  }
  fs.readFile(file, (err, body) => {
    if (err) {
      // Single-page app: unknown paths get the page itself.
      return fs.readFile(path.join(ROOT, "index.html"), (err2, page) => {
        res.writeHead(err2 ? 500 : 200, { "content-type": TYPES[".html"] });
        res.end(err2 ? "page missing\n" : page);
      });
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] || "application/octet-stream" });
    res.end(body);
  });
});

server.listen(PORT, () => {
  console.log(`frontend listening on port ${PORT}`);
});
