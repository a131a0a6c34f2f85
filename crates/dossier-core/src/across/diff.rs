//! Paragraph-by-paragraph comparison of two articles: what only one has, what
//! they share, and what changed in wording.

use crate::text::fold_for_match;
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Paragraph `a` of the first equals paragraph `b` of the second (after folding quotes and spaces).
    Same(usize, usize),
    /// The same paragraph, reworded (most words shared).
    Changed(usize, usize),
    OnlyFirst(usize),
    OnlySecond(usize),
}

fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

fn similar(a: &str, b: &str) -> bool {
    let (x, y) = (words(a), words(b));
    let union = x.union(&y).count();
    union > 0 && x.intersection(&y).count() * 10 >= union * 7
}

/// Aligns two paragraph lists (longest common subsequence over folded paragraphs,
/// then pairs left over side by side when they are rewordings of each other).
pub fn paragraphs(first: &[&str], second: &[&str]) -> Vec<Step> {
    let a: Vec<String> = first.iter().map(|p| fold_for_match(p).to_lowercase()).collect();
    let b: Vec<String> = second.iter().map(|p| fold_for_match(p).to_lowercase()).collect();
    let (n, m) = (a.len(), b.len());
    let mut table = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i][j] = if a[i] == b[j] { table[i + 1][j + 1] + 1 } else { table[i + 1][j].max(table[i][j + 1]) };
        }
    }
    // Exact matches first, along the longest common subsequence.
    let mut anchors = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i] == b[j] {
            anchors.push((i, j));
            i += 1;
            j += 1;
        } else if table[i + 1][j] >= table[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    anchors.push((n, m));
    // Between anchors, pair rewordings in order; the rest is one-sided.
    let mut steps = Vec::new();
    let (mut i, mut j) = (0, 0);
    for (anchor_i, anchor_j) in anchors {
        let mut next_j = j;
        for (gap_i, paragraph) in a.iter().enumerate().take(anchor_i).skip(i) {
            match (next_j..anchor_j).find(|&gap_j| similar(paragraph, &b[gap_j])) {
                Some(gap_j) => {
                    steps.extend((next_j..gap_j).map(Step::OnlySecond));
                    steps.push(Step::Changed(gap_i, gap_j));
                    next_j = gap_j + 1;
                }
                None => steps.push(Step::OnlyFirst(gap_i)),
            }
        }
        steps.extend((next_j..anchor_j).map(Step::OnlySecond));
        if anchor_i < n {
            steps.push(Step::Same(anchor_i, anchor_j));
        }
        (i, j) = (anchor_i + 1, anchor_j + 1);
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_shared_changed_and_one_sided_paragraphs() {
        let first = [
            "Intro paragraph.",
            "He said “yes” to the plan today.",
            "Only in the first one.",
            "Closing words here for the readers of this story.",
        ];
        let second = [
            "Intro  paragraph.",
            "He said \"yes\" to the plan today.",
            "Closing words here for all the readers of this story.",
            "Only in the second.",
        ];
        let steps = paragraphs(&first, &second);
        assert_eq!(steps[..2], [Step::Same(0, 0), Step::Same(1, 1)]);
        assert!(steps.contains(&Step::OnlyFirst(2)));
        assert!(steps.contains(&Step::Changed(3, 2)), "{steps:?}");
        assert!(steps.contains(&Step::OnlySecond(3)));
        assert_eq!(paragraphs(&[], &["x"]), [Step::OnlySecond(0)]);
    }
}
