//! Union-find over item indices: which items end up in one group.

/// The root of `at`, halving paths on the way.
pub fn find_root(parent: &mut [usize], mut at: usize) -> usize {
    while parent[at] != at {
        parent[at] = parent[parent[at]];
        at = parent[at];
    }
    at
}

/// Puts `a` and `b` in one group, rooted at the smaller index.
pub fn union(parent: &mut [usize], a: usize, b: usize) {
    let (a, b) = (find_root(parent, a), find_root(parent, b));
    if a != b {
        parent[a.max(b)] = a.min(b);
    }
}

/// The groups, each listed in item order, ordered by their first item.
pub fn components(parent: &mut [usize]) -> Vec<Vec<usize>> {
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = std::collections::BTreeMap::new();
    for index in 0..parent.len() {
        let root = find_root(parent, index);
        groups.entry(root).or_default().push(index);
    }
    groups.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_by_first_item() {
        let mut parent: Vec<usize> = (0..5).collect();
        union(&mut parent, 4, 1);
        union(&mut parent, 3, 0);
        union(&mut parent, 1, 3);
        assert_eq!(components(&mut parent), [vec![0, 1, 3, 4], vec![2]]);
    }
}
