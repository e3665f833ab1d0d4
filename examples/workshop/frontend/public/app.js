// A React-style page without React: components are functions of state that
// return elements built by h(); setState re-renders the root. Everything it
// shows comes from the backend through nginx at /api/.
(function () {
  "use strict";

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key.startsWith("on")) el.addEventListener(key.slice(2).toLowerCase(), value);
      else el.setAttribute(key, value);
    }
    for (const child of children.flat()) {
      if (child == null || child === false) continue;
      el.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return el;
  }

  let state = { page: null, db: null, error: null };
  const root = document.getElementById("root");

  function setState(patch) {
    state = Object.assign({}, state, patch);
    root.replaceChildren(App(state));
  }

  async function load(route) {
    try {
      const res = await fetch("/api/" + route);
      const body = await res.json();
      if (route === "db") setState({ db: body, error: null });
      else setState({ page: body, error: null });
    } catch (err) {
      setState({ error: String(err) });
    }
  }

  function DbStatus({ db }) {
    if (!db) return h("p", null, "Checking the database…");
    return db.reachable
      ? h("p", { class: "ok" }, `MongoDB at ${db.db} answered in ${db.ms} ms.`)
      : h("p", { class: "bad" }, `MongoDB at ${db.db} is not reachable: ${db.error}`);
  }

  function App(s) {
    return h(
      "main",
      null,
      h("h1", null, "Compose workshop"),
      h("p", null, "mongo + node + this page + nginx, defined in one compose.yaml."),
      DbStatus(s),
      h(
        "div",
        null,
        ["", "first", "second", "third"].map((route) =>
          h("button", { onClick: () => load(route) }, "/api/" + route)
        ),
        h("button", { onClick: () => load("db") }, "re-check db")
      ),
      s.page ? h("pre", null, JSON.stringify(s.page, null, 2)) : null,
      s.error ? h("p", { class: "bad" }, s.error) : null
    );
  }

  setState({});
  load("db");
  load("");
})();
