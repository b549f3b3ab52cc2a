//! The benchmark vocabulary, shared by `bench_seed` (which writes titles, descriptions and
//! comments with it) and `bench_load` (which searches for its words): a few thousand words whose
//! frequencies follow Zipf's law (the word of rank r is drawn with a probability ∝ 1/r), as in
//! real text. The head is game-studio words; the tail is made-up words built from syllables.
//! Deterministic: both programs build the same list.

use rand::SeedableRng;
use rand::seq::SliceRandom;

/// The most frequent words, rank 1 first.
pub const HEAD: &[&str] = &[
    "player",
    "fix",
    "level",
    "enemy",
    "camera",
    "sound",
    "menu",
    "boss",
    "save",
    "crash",
    "texture",
    "shader",
    "update",
    "jump",
    "weapon",
    "quest",
    "npc",
    "dialog",
    "animation",
    "light",
    "network",
    "input",
    "physics",
    "inventory",
    "map",
    "ui",
    "hud",
    "particle",
    "water",
    "terrain",
    "sky",
    "armor",
    "skill",
    "tree",
    "tutorial",
    "achievement",
    "font",
    "lobby",
    "controller",
    "build",
    "test",
    "art",
    "model",
    "rig",
    "audio",
    "music",
    "spawn",
    "door",
    "key",
    "chest",
    "story",
    "cutscene",
    "script",
    "loading",
    "memory",
    "frame",
    "collision",
    "damage",
    "health",
    "score",
];

/// Words in the vocabulary.
pub const SIZE: usize = 4000;

/// Ranks (1-based) from which a word counts as rare: each is in roughly 0.1–0.2% of the items.
pub const RARE_FROM: usize = 2000;

pub struct Vocab {
    words: Vec<String>,
    /// cdf[i]: probability that a drawn word has rank ≤ i + 1.
    cdf: Vec<f64>,
}

impl Vocab {
    pub fn new() -> Vocab {
        let cons = [
            "b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
        ];
        let vows = ["a", "e", "i", "o", "u"];
        let syl: Vec<String> = cons
            .iter()
            .flat_map(|c| vows.iter().map(move |v| format!("{c}{v}")))
            .collect();
        let mut made: Vec<String> = Vec::new();
        for a in &syl {
            for b in &syl {
                made.push(format!("{a}{b}"));
                for c in syl.iter().step_by(7) {
                    made.push(format!("{a}{b}{c}"));
                }
            }
        }
        made.shuffle(&mut rand::rngs::StdRng::seed_from_u64(7));
        let mut words: Vec<String> = HEAD.iter().map(|s| s.to_string()).collect();
        for w in made {
            if words.len() == SIZE {
                break;
            }
            if !HEAD.contains(&w.as_str()) {
                words.push(w);
            }
        }
        let weights: Vec<f64> = (1..=words.len()).map(|r| 1.0 / r as f64).collect();
        let total: f64 = weights.iter().sum();
        let mut acc = 0.0;
        let cdf = weights
            .iter()
            .map(|w| {
                acc += w / total;
                acc
            })
            .collect();
        Vocab { words, cdf }
    }

    /// The word of rank `r` (1-based).
    pub fn rank(&self, r: usize) -> &str {
        &self.words[r.clamp(1, self.words.len()) - 1]
    }

    /// A word drawn by frequency; `u` uniform in [0, 1).
    pub fn draw(&self, u: f64) -> &str {
        let i = self.cdf.partition_point(|c| *c < u);
        &self.words[i.min(self.words.len() - 1)]
    }

    /// `n` words drawn by frequency, space-separated.
    pub fn text(&self, rng: &mut impl rand::Rng, n: usize) -> String {
        let mut s = String::new();
        for i in 0..n {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(self.draw(rng.random()));
        }
        s
    }
}
