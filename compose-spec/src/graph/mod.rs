//! The service dependency graph: which service must start before which.
//!
//! Compose starts services in dependency order and stops them in reverse, and it refuses
//! models whose dependencies loop. Every relation that makes one service need another is an
//! edge here: `depends_on` (with its `condition`, `required` and `restart` flags), `links`,
//! `network_mode`/`ipc`/`pid`/`uts`/`cgroup: service:x` and `volumes_from`. After
//! [`crate::normalize`] all of them are also folded into `depends_on`; reading them all keeps
//! the graph right for models loaded with `--no-normalize` too.
//!
//! The graph is built from the canonical tree ([`Node`]); [`ServiceGraph::from_json`] accepts
//! the JSON model `config` prints, so the orchestrator can use either.

mod deps;

pub use deps::*;

use crate::error::{ErrorKind, LoadError};
use crate::node::{Mark, Node};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use std::collections::{BTreeMap, HashMap};

/// A dependency cycle, as the list of services along it (the first is repeated at the end).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cycle {
    /// `a, b, c, a` for `a -> b -> c -> a`.
    pub path: Vec<String>,
    /// Where the edge that closes the cycle was declared.
    pub mark: Mark,
}

impl Cycle {
    /// The error compose reports for this cycle.
    pub fn to_error(&self) -> LoadError {
        LoadError::new(
            ErrorKind::Cycle,
            &self.mark,
            format!("dependency cycle detected: {}", self.path.join(" -> ")),
        )
    }
}

/// The services of a project and the dependencies between them.
#[derive(Clone, Debug, Default)]
pub struct ServiceGraph {
    graph: DiGraph<String, Dependency>,
    index: HashMap<String, NodeIndex>,
}

impl ServiceGraph {
    /// Builds the graph of the services of a model (the whole document or its `services`
    /// mapping). Dependencies on services that are not in the model are left out: checking
    /// them is [`crate::consistency`]'s job.
    pub fn from_model(doc: &Node) -> ServiceGraph {
        let services = match doc.get("services") {
            Some(s) => s,
            None => doc,
        };
        let mut g = ServiceGraph::default();
        let Some(map) = services.as_map() else {
            return g;
        };
        for name in map.keys() {
            let idx = g.graph.add_node(name.clone());
            g.index.insert(name.clone(), idx);
        }
        for (name, service) in map {
            let Some(&from) = g.index.get(name) else {
                continue;
            };
            for dep in dependencies(service) {
                if let Some(&to) = g.index.get(&dep.service) {
                    g.graph.add_edge(from, to, dep);
                }
            }
        }
        g
    }

    /// Builds the graph from the JSON model (`docker compose config --format json`).
    pub fn from_json(model: &serde_json::Value) -> ServiceGraph {
        ServiceGraph::from_model(&Node::from_json(model))
    }

    /// The service names, in the order of the model.
    pub fn services(&self) -> Vec<&str> {
        self.graph.node_weights().map(String::as_str).collect()
    }

    /// The dependencies of `service` that exist in the graph, in declaration order.
    pub fn dependencies_of(&self, service: &str) -> Vec<&Dependency> {
        let Some(&idx) = self.index.get(service) else {
            return Vec::new();
        };
        let mut edges: Vec<_> = self
            .graph
            .edges_directed(idx, Direction::Outgoing)
            .map(|e| (e.id(), e.weight()))
            .collect();
        edges.sort_by_key(|(id, _)| *id);
        edges.into_iter().map(|(_, w)| w).collect()
    }

    /// The services that depend on `service`, in model order.
    pub fn dependents_of(&self, service: &str) -> Vec<&str> {
        let Some(&idx) = self.index.get(service) else {
            return Vec::new();
        };
        let mut sources: Vec<NodeIndex> = self
            .graph
            .neighbors_directed(idx, Direction::Incoming)
            .collect();
        sources.sort();
        sources.dedup();
        sources.iter().map(|i| self.graph[*i].as_str()).collect()
    }

    /// Start order for parallel start: each level holds the services whose dependencies are
    /// all in earlier levels; within a level, services keep the model's order.
    pub fn levels(&self) -> Result<Vec<Vec<String>>, Cycle> {
        self.layered(Direction::Outgoing)
    }

    /// Teardown order: each level holds the services whose dependents are all in earlier
    /// levels, so nothing is stopped while something that needs it still runs.
    pub fn reverse_levels(&self) -> Result<Vec<Vec<String>>, Cycle> {
        self.layered(Direction::Incoming)
    }

    /// Kahn's algorithm by layers: `blocking` is the direction of the edges that must be
    /// done first (outgoing = dependencies, incoming = dependents).
    fn layered(&self, blocking: Direction) -> Result<Vec<Vec<String>>, Cycle> {
        if let Some(cycle) = self.find_cycle() {
            return Err(cycle);
        }
        let mut remaining: Vec<usize> = self
            .graph
            .node_indices()
            .map(|i| self.distinct_neighbors(i, blocking).len())
            .collect();
        let mut done = vec![false; remaining.len()];
        let mut levels = Vec::new();
        loop {
            let level: Vec<NodeIndex> = self
                .graph
                .node_indices()
                .filter(|i| !done[i.index()] && remaining[i.index()] == 0)
                .collect();
            if level.is_empty() {
                break;
            }
            for &i in &level {
                done[i.index()] = true;
                for other in self.distinct_neighbors(i, blocking.opposite()) {
                    if let Some(r) = remaining.get_mut(other.index()) {
                        *r = r.saturating_sub(1);
                    }
                }
            }
            levels.push(level.iter().map(|i| self.graph[*i].clone()).collect());
        }
        Ok(levels)
    }

    fn distinct_neighbors(&self, idx: NodeIndex, dir: Direction) -> Vec<NodeIndex> {
        let mut n: Vec<NodeIndex> = self.graph.neighbors_directed(idx, dir).collect();
        n.sort();
        n.dedup();
        n
    }

    /// The first dependency cycle in compose's search order (services by name, then each
    /// service's dependencies by name), so the message names the same services compose does.
    pub fn find_cycle(&self) -> Option<Cycle> {
        // Children by name with the edge that reaches them.
        let children: HashMap<NodeIndex, BTreeMap<&str, (NodeIndex, &Mark)>> = self
            .graph
            .node_indices()
            .map(|i| {
                let kids = self
                    .graph
                    .edges_directed(i, Direction::Outgoing)
                    .map(|e| {
                        let t = e.target();
                        (self.graph[t].as_str(), (t, &e.weight().mark))
                    })
                    .collect();
                (i, kids)
            })
            .collect();
        let mut roots: Vec<NodeIndex> = self.graph.node_indices().collect();
        roots.sort_by(|a, b| self.graph[*a].cmp(&self.graph[*b]));
        // Services fully explored without finding a cycle: exploring them again cannot find
        // one (a DFS from a node finds every cycle through its reachable set).
        let mut finished = vec![false; self.graph.node_count()];
        for root in roots {
            if finished[root.index()] {
                continue;
            }
            let mut path = vec![root];
            if let Some(c) = self.search(&children, &mut path, &mut finished) {
                return Some(c);
            }
        }
        None
    }

    fn search(
        &self,
        children: &HashMap<NodeIndex, BTreeMap<&str, (NodeIndex, &Mark)>>,
        path: &mut Vec<NodeIndex>,
        finished: &mut [bool],
    ) -> Option<Cycle> {
        let current = *path.last()?;
        if let Some(kids) = children.get(&current) {
            for (target, mark) in kids.values() {
                if let Some(pos) = path.iter().position(|p| p == target) {
                    let mut names: Vec<String> = path
                        .iter()
                        .skip(pos)
                        .map(|i| self.graph[*i].clone())
                        .collect();
                    names.push(self.graph[*target].clone());
                    return Some(Cycle {
                        path: names,
                        mark: (*mark).clone(),
                    });
                }
                if finished[target.index()] {
                    continue;
                }
                path.push(*target);
                let found = self.search(children, path, finished);
                path.pop();
                if found.is_some() {
                    return found;
                }
            }
        }
        finished[current.index()] = true;
        None
    }

    /// Fails with compose's `dependency cycle detected: a -> b -> a` when the graph loops.
    pub fn check_cycle(&self) -> Result<(), LoadError> {
        match self.find_cycle() {
            Some(c) => Err(c.to_error()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(yaml: &str) -> Node {
        let docs = crate::yaml::parse_documents(yaml, "compose.yaml").expect("valid yaml");
        docs.into_iter().next().expect("one document")
    }

    #[test]
    fn levels_follow_dependencies() {
        let doc = model(
            "services:\n  web:\n    depends_on: [api]\n  api:\n    depends_on:\n      db: {condition: service_healthy}\n  db: {}\n  cache: {}\n",
        );
        let g = ServiceGraph::from_model(&doc);
        let levels = g.levels().expect("no cycle");
        assert_eq!(
            levels,
            vec![vec!["db", "cache"], vec!["api"], vec!["web"]]
                .into_iter()
                .map(|l| l.into_iter().map(String::from).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        );
        let rev = g.reverse_levels().expect("no cycle");
        assert_eq!(rev[0], vec!["web".to_string(), "cache".to_string()]);
        assert_eq!(rev[1], vec!["api".to_string()]);
        assert_eq!(rev[2], vec!["db".to_string()]);
        let deps = g.dependencies_of("api");
        assert_eq!(deps.len(), 1);
        assert_eq!(deps[0].condition, "service_healthy");
        assert!(deps[0].required);
        assert_eq!(g.dependents_of("db"), vec!["api"]);
    }

    #[test]
    fn implicit_edges_are_read() {
        let doc = model(
            "services:\n  a:\n    network_mode: service:b\n    links: ['c:alias']\n    volumes_from: [d, 'container:x', 'e:ro']\n  b: {}\n  c: {}\n  d: {}\n  e: {}\n",
        );
        let g = ServiceGraph::from_model(&doc);
        let deps = g.dependencies_of("a");
        let names: Vec<&str> = deps.iter().map(|d| d.service.as_str()).collect();
        assert_eq!(names, vec!["c", "b", "d", "e"]);
        assert!(deps[0].restart && deps[1].restart);
        assert!(!deps[2].restart);
        assert_eq!(deps[1].kind, DependencyKind::Namespace("network_mode"));
        assert_eq!(g.levels().expect("no cycle").len(), 2);
    }

    #[test]
    fn explicit_dependency_wins_over_implicit() {
        let doc = model(
            "services:\n  a:\n    links: [b]\n    depends_on:\n      b: {condition: service_healthy, required: false}\n  b: {}\n",
        );
        let deps = dependencies(doc.get("services").and_then(|s| s.get("a")).expect("a"));
        assert_eq!(deps.len(), 1);
        assert_eq!(deps[0].condition, "service_healthy");
        assert!(!deps[0].required);
        assert_eq!(deps[0].kind, DependencyKind::DependsOn);
    }

    #[test]
    fn cycles_are_reported_like_compose() {
        let doc = model(
            "services:\n  service1:\n    depends_on: [service2]\n  service2:\n    depends_on: [service3]\n  service3:\n    depends_on: [service1]\n",
        );
        let g = ServiceGraph::from_model(&doc);
        let err = g.check_cycle().expect_err("cycle");
        assert_eq!(err.kind, ErrorKind::Cycle);
        assert_eq!(
            err.message,
            "dependency cycle detected: service1 -> service2 -> service3 -> service1"
        );
        assert_eq!(err.mark.line, 7);
        assert!(g.levels().is_err());

        let selfdep = model("services:\n  service1:\n    depends_on: [service1]\n");
        let err = ServiceGraph::from_model(&selfdep)
            .check_cycle()
            .expect_err("self cycle");
        assert_eq!(
            err.message,
            "dependency cycle detected: service1 -> service1"
        );
    }

    #[test]
    fn cycle_search_starts_from_the_smallest_name() {
        let doc = model(
            "services:\n  z:\n    depends_on: [y]\n  y:\n    depends_on: [x]\n  x:\n    depends_on: [y]\n  a:\n    depends_on: [z]\n",
        );
        let c = ServiceGraph::from_model(&doc).find_cycle().expect("cycle");
        assert_eq!(c.path, vec!["y", "x", "y"]);
    }

    #[test]
    fn wide_diamonds_do_not_explode() {
        // 30 layers of 2 services, each depending on both of the next layer: 2^30 paths.
        let mut yaml = String::from("services:\n");
        for layer in 0..30 {
            for side in ["l", "r"] {
                yaml.push_str(&format!("  {side}{layer}:\n"));
                if layer < 29 {
                    yaml.push_str(&format!(
                        "    depends_on: [l{}, r{}]\n",
                        layer + 1,
                        layer + 1
                    ));
                }
            }
        }
        let g = ServiceGraph::from_model(&model(&yaml));
        assert!(g.find_cycle().is_none());
        assert_eq!(g.levels().expect("no cycle").len(), 30);
    }

    #[test]
    fn dependencies_on_missing_services_are_not_edges() {
        let doc = model("services:\n  a:\n    depends_on: [ghost]\n");
        let g = ServiceGraph::from_model(&doc);
        assert!(g.dependencies_of("a").is_empty());
        assert_eq!(g.levels().expect("no cycle"), vec![vec!["a".to_string()]]);
    }

    #[test]
    fn required_dependencies_must_be_enabled() {
        let doc = model("services:\n  a:\n    depends_on: [b]\n");
        let mut disabled = crate::node::Map::new();
        disabled.insert("b".into(), model("profiles: [debug, x]\n"));
        let err = check_required(&doc, &disabled).expect_err("disabled");
        assert_eq!(
            err.message,
            "service \"b\" is required by \"a\" but is disabled. Can be enabled by profiles [debug x]"
        );
        let err = check_required(&doc, &crate::node::Map::new()).expect_err("unknown");
        assert_eq!(
            err.message,
            "service \"a\" depends on unknown service \"b\""
        );
        let optional = model(
            "services:\n  a:\n    depends_on:\n      b: {condition: service_started, required: false}\n",
        );
        check_required(&optional, &disabled).expect("optional");
    }

    #[test]
    fn json_models_work_too() {
        let json = serde_json::json!({
            "services": {
                "web": {"depends_on": {"db": {"condition": "service_started", "required": true}}},
                "db": {}
            }
        });
        let g = ServiceGraph::from_json(&json);
        assert_eq!(g.services(), vec!["web", "db"]);
        assert_eq!(
            g.levels().expect("no cycle"),
            vec![vec!["db".to_string()], vec!["web".to_string()]]
        );
    }
}
