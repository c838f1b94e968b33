//! Certificate policies (RFC 5280 §4.2.1.4, §4.2.1.5, §4.2.1.11, §4.2.1.14) and the
//! valid-policy-tree algorithm of §6.1.
//!
//! The extensions themselves are parsed with the certificate (and re-exported here); this
//! module holds the path-validation side.

use std::collections::BTreeSet;

use crate::cert::Certificate;

pub use crate::policy_ext::{
    PolicyConstraints, parse_certificate_policies, parse_inhibit_any_policy,
    parse_policy_constraints, parse_policy_mappings,
};

/// anyPolicy.
pub const ANY_POLICY: &str = "2.5.29.32.0";

/// Inputs of the policy part of path validation (RFC 5280 §6.1.1 (c), (e), (f), (g)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyInputs {
    /// user-initial-policy-set; `None` means {anyPolicy}.
    pub initial_policy_set: Option<Vec<String>>,
    /// initial-explicit-policy: the path must be valid for at least one policy.
    pub initial_explicit_policy: bool,
    /// initial-policy-mapping-inhibit.
    pub initial_policy_mapping_inhibit: bool,
    /// initial-any-policy-inhibit.
    pub initial_any_policy_inhibit: bool,
}

/// Why the policy part of validation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyFailure {
    /// An explicit policy is required and no policy is valid up to this certificate
    /// (index in the path, 0 = first certificate below the anchor).
    NoValidPolicy {
        /// Position from the anchor: 0 is the certificate the anchor issued.
        index: usize,
    },
    /// A policy mapping maps to or from anyPolicy.
    MapsAnyPolicy {
        /// Position from the anchor.
        index: usize,
    },
    /// The tree grew past the processing bound.
    TooComplex,
}

/// The policy sets a valid path yields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicySets {
    /// Policies valid for the path as the CAs constrain it (anyPolicy may appear).
    pub authorities_constrained: Vec<String>,
    /// Those also in the user-initial-policy-set (anyPolicy when that set was anyPolicy and
    /// the CAs allowed any policy).
    pub user_constrained: Vec<String>,
}

#[derive(Debug, Clone)]
struct Node {
    policy: String,
    expected: BTreeSet<String>,
    parent: Option<usize>,
    depth: usize,
    alive: bool,
}

/// Bound on tree nodes (a hostile chain of mappings can grow the tree exponentially).
const MAX_NODES: usize = 10_000;

/// The valid_policy_tree and the counters of RFC 5280 §6.1.2.
#[derive(Debug, Clone)]
pub struct PolicyState {
    nodes: Vec<Node>,
    /// `false` once the tree is NULL.
    has_tree: bool,
    explicit_policy: u64,
    policy_mapping: u64,
    inhibit_any_policy: u64,
    n: usize,
    user_set: Option<BTreeSet<String>>,
}

impl PolicyState {
    /// Initial state for a path of `n` certificates below the anchor.
    pub fn new(inputs: &PolicyInputs, n: usize) -> PolicyState {
        let start = |inhibit: bool| if inhibit { 0 } else { n as u64 + 1 };
        let user_set = inputs.initial_policy_set.as_ref().and_then(|set| {
            if set.iter().any(|p| p == ANY_POLICY) {
                None
            } else {
                Some(set.iter().cloned().collect())
            }
        });
        PolicyState {
            nodes: vec![Node {
                policy: ANY_POLICY.to_string(),
                expected: [ANY_POLICY.to_string()].into_iter().collect(),
                parent: None,
                depth: 0,
                alive: true,
            }],
            has_tree: true,
            explicit_policy: start(inputs.initial_explicit_policy),
            policy_mapping: start(inputs.initial_policy_mapping_inhibit),
            inhibit_any_policy: start(inputs.initial_any_policy_inhibit),
            n,
            user_set,
        }
    }

    fn at_depth(&self, depth: usize) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| {
                self.nodes
                    .get(i)
                    .is_some_and(|n| n.alive && n.depth == depth)
            })
            .collect()
    }

    fn children(&self, id: usize) -> impl Iterator<Item = &Node> {
        self.nodes
            .iter()
            .filter(move |n| n.alive && n.parent == Some(id))
    }

    fn add(
        &mut self,
        parent: usize,
        policy: String,
        expected: BTreeSet<String>,
    ) -> Result<(), PolicyFailure> {
        if self.nodes.len() >= MAX_NODES {
            return Err(PolicyFailure::TooComplex);
        }
        let depth = self.nodes.get(parent).map_or(0, |p| p.depth + 1);
        self.nodes.push(Node {
            policy,
            expected,
            parent: Some(parent),
            depth,
            alive: true,
        });
        Ok(())
    }

    fn kill_subtree(&mut self, id: usize) {
        let mut stack = vec![id];
        while let Some(x) = stack.pop() {
            if let Some(n) = self.nodes.get_mut(x) {
                n.alive = false;
            }
            for (i, n) in self.nodes.iter().enumerate() {
                if n.alive && n.parent == Some(x) {
                    stack.push(i);
                }
            }
        }
    }

    /// Deletes nodes above `depth` that have no children, bottom up.
    fn prune(&mut self, depth: usize) {
        for d in (0..depth).rev() {
            for id in self.at_depth(d) {
                if self.children(id).next().is_none()
                    && let Some(n) = self.nodes.get_mut(id)
                {
                    n.alive = false;
                }
            }
        }
        if !self.nodes.first().is_some_and(|r| r.alive) {
            self.has_tree = false;
        }
    }

    /// RFC 5280 §6.1.3 (d)–(f) for certificate `i` (1-based from the anchor).
    pub fn process(&mut self, cert: &Certificate, i: usize) -> Result<(), PolicyFailure> {
        let last = i == self.n;
        match &cert.certificate_policies {
            Some(policies) if self.has_tree => {
                let parents = self.at_depth(i - 1);
                for p in policies.iter().filter(|p| *p != ANY_POLICY) {
                    let matching: Vec<usize> = parents
                        .iter()
                        .copied()
                        .filter(|&id| self.nodes.get(id).is_some_and(|n| n.expected.contains(p)))
                        .collect();
                    let targets = if matching.is_empty() {
                        parents
                            .iter()
                            .copied()
                            .filter(|&id| {
                                self.nodes.get(id).is_some_and(|n| n.policy == ANY_POLICY)
                            })
                            .collect()
                    } else {
                        matching
                    };
                    for id in targets {
                        self.add(id, p.clone(), [p.clone()].into_iter().collect())?;
                    }
                }
                let any_allowed = self.inhibit_any_policy > 0 || (!last && cert.is_self_issued());
                if any_allowed && policies.iter().any(|p| p == ANY_POLICY) {
                    for id in parents {
                        let expected: Vec<String> = self
                            .nodes
                            .get(id)
                            .map(|n| n.expected.iter().cloned().collect())
                            .unwrap_or_default();
                        for e in expected {
                            if !self.children(id).any(|c| c.policy == e) {
                                self.add(id, e.clone(), [e].into_iter().collect())?;
                            }
                        }
                    }
                }
                self.prune(i);
            }
            _ => self.has_tree = false,
        }
        if self.explicit_policy == 0 && !self.has_tree {
            return Err(PolicyFailure::NoValidPolicy { index: i - 1 });
        }
        Ok(())
    }

    /// RFC 5280 §6.1.4 (a), (b), (h), (i), (j): preparation for the certificate after
    /// intermediate `i`.
    pub fn prepare_next(&mut self, cert: &Certificate, i: usize) -> Result<(), PolicyFailure> {
        if cert
            .policy_mappings
            .iter()
            .any(|(a, b)| a == ANY_POLICY || b == ANY_POLICY)
        {
            return Err(PolicyFailure::MapsAnyPolicy { index: i - 1 });
        }
        if self.has_tree && !cert.policy_mappings.is_empty() {
            let mut issuer_policies: Vec<&String> =
                cert.policy_mappings.iter().map(|(a, _)| a).collect();
            issuer_policies.dedup();
            let mut seen = BTreeSet::new();
            for id_p in issuer_policies {
                if !seen.insert(id_p.clone()) {
                    continue;
                }
                let mapped: BTreeSet<String> = cert
                    .policy_mappings
                    .iter()
                    .filter(|(a, _)| a == id_p)
                    .map(|(_, b)| b.clone())
                    .collect();
                let level = self.at_depth(i);
                if self.policy_mapping > 0 {
                    let mut found = false;
                    for &id in &level {
                        if let Some(n) = self.nodes.get_mut(id)
                            && &n.policy == id_p
                        {
                            n.expected = mapped.clone();
                            found = true;
                        }
                    }
                    if !found {
                        let any = level
                            .iter()
                            .copied()
                            .find(|&id| self.nodes.get(id).is_some_and(|n| n.policy == ANY_POLICY));
                        if let Some(parent) =
                            any.and_then(|id| self.nodes.get(id).and_then(|n| n.parent))
                        {
                            self.add(parent, id_p.clone(), mapped)?;
                        }
                    }
                } else {
                    for &id in &level {
                        if self.nodes.get(id).is_some_and(|n| &n.policy == id_p) {
                            self.kill_subtree(id);
                        }
                    }
                    self.prune(i);
                }
            }
        }
        if !cert.is_self_issued() {
            self.explicit_policy = self.explicit_policy.saturating_sub(1);
            self.policy_mapping = self.policy_mapping.saturating_sub(1);
            self.inhibit_any_policy = self.inhibit_any_policy.saturating_sub(1);
        }
        if let Some(pc) = cert.policy_constraints {
            if let Some(r) = pc.require_explicit_policy {
                self.explicit_policy = self.explicit_policy.min(r as u64);
            }
            if let Some(m) = pc.inhibit_policy_mapping {
                self.policy_mapping = self.policy_mapping.min(m as u64);
            }
        }
        if let Some(skip) = cert.inhibit_any_policy {
            self.inhibit_any_policy = self.inhibit_any_policy.min(skip as u64);
        }
        Ok(())
    }

    /// RFC 5280 §6.1.5 (a), (b), (g) for the end certificate; returns the policy sets.
    pub fn wrap_up(&mut self, leaf: &Certificate) -> Result<PolicySets, PolicyFailure> {
        self.explicit_policy = self.explicit_policy.saturating_sub(1);
        if leaf
            .policy_constraints
            .is_some_and(|pc| pc.require_explicit_policy == Some(0))
        {
            self.explicit_policy = 0;
        }
        let n = self.n;
        let authorities_constrained = self.policies_at(n);
        if self.has_tree
            && let Some(user) = self.user_set.clone()
        {
            // Nodes whose parent is anyPolicy: the points where the tree leaves anyPolicy.
            let boundary: Vec<usize> = (0..self.nodes.len())
                .filter(|&id| {
                    self.nodes.get(id).is_some_and(|node| {
                        node.alive
                            && node.parent.is_some_and(|p| {
                                self.nodes.get(p).is_some_and(|pn| pn.policy == ANY_POLICY)
                            })
                    })
                })
                .collect();
            let mut boundary_policies = BTreeSet::new();
            for &id in &boundary {
                let Some(node) = self.nodes.get(id) else {
                    continue;
                };
                let policy = node.policy.clone();
                if policy != ANY_POLICY && !user.contains(&policy) {
                    self.kill_subtree(id);
                } else {
                    boundary_policies.insert(policy);
                }
            }
            let any_leaf = self.at_depth(n).into_iter().find(|&id| {
                self.nodes
                    .get(id)
                    .is_some_and(|node| node.policy == ANY_POLICY)
            });
            if let Some(any_id) = any_leaf {
                if let Some(parent) = self.nodes.get(any_id).and_then(|node| node.parent) {
                    for p in &user {
                        if !boundary_policies.contains(p) {
                            self.add(parent, p.clone(), [p.clone()].into_iter().collect())?;
                        }
                    }
                }
                self.kill_subtree(any_id);
            }
            self.prune(n);
        }
        if self.explicit_policy == 0 && !self.has_tree {
            return Err(PolicyFailure::NoValidPolicy {
                index: n.saturating_sub(1),
            });
        }
        Ok(PolicySets {
            authorities_constrained,
            user_constrained: self.policies_at(n),
        })
    }

    fn policies_at(&self, depth: usize) -> Vec<String> {
        if !self.has_tree {
            return Vec::new();
        }
        let set: BTreeSet<String> = self
            .at_depth(depth)
            .into_iter()
            .filter_map(|id| self.nodes.get(id).map(|n| n.policy.clone()))
            .collect();
        set.into_iter().collect()
    }
}
