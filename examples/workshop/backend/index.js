// The workshop backend: the seed's express routes, plus /db, which says
// whether the MongoDB server named by WHICH_DB answers a ping.
//
// nginx forwards /api/<path> here as /<path>; the same routes are also served
// under /api/ so that the app works when reached directly on its own port.
const express = require("express");
const { MongoClient } = require("mongodb");

const PORT = Number(process.env.PORT || 3000);
const WHICH_DB = process.env.WHICH_DB || "mongodb://localhost:27017/composexample";

const app = express();
const routes = express.Router();

routes.get("/", (req, res) => {
  res.json({ Page: "This is the homepage" });
});
routes.get("/first", (req, res) => {
  res.json({ Page: "This is the first page." });
});
routes.get("/second", (req, res) => {
  res.json({ Page: "This is the second page." });
});
routes.get("/third", (req, res) => {
  res.json({ Page: "This is the third page." });
});
routes.get("/db", async (req, res) => {
  res.json(await pingMongo());
});

app.use("/api", routes);
app.use("/", routes);
app.all("*", (req, res) => {
  res.status(404).send("Oops! Cannot find that page");
});

/** Connects to WHICH_DB, pings it and reports the outcome; never throws. */
async function pingMongo() {
  const client = new MongoClient(WHICH_DB, { serverSelectionTimeoutMS: 2000 });
  const started = Date.now();
  try {
    await client.connect();
    await client.db().command({ ping: 1 });
    return { db: redact(WHICH_DB), reachable: true, ms: Date.now() - started };
  } catch (err) {
    return { db: redact(WHICH_DB), reachable: false, error: String(err.message || err) };
  } finally {
    await client.close().catch(() => {});
  }
}

/** Hides a password in the connection string before it is shown to a browser. */
function redact(uri) {
  return uri.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

app.listen(PORT, () => {
  console.log(`Listening on port ${PORT}; database ${redact(WHICH_DB)}`);
});
