//! Policy lists: which makers are restricted under which list, shipped as data files that
//! users can override or extend without rebuilding.
//!
//! A list restricts makers by canonical name; a device is restricted when its attributed maker,
//! or a corporate parent of it, is on a selected list. Countries play no part: a Taiwanese
//! maker is restricted only if a list names it, and the built-in lists name none.

use camaudit_protocol::record::Policy;
use serde::Deserialize;
use toml::Spanned;

use crate::makers::Maker;

const US_NDAA_889: &str = include_str!("../policy/us-ndaa-889.toml");
const UK_NIL: &str = include_str!("../policy/uk-nil.toml");

/// Largest policy file accepted.
const MAX_FILE: usize = 1 << 20;
/// Most entries in one list.
const MAX_ENTRIES: usize = 1000;

/// Why a policy file or a selection was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    #[error("policy list '{list}', line {line}, column {column}: {message}")]
    Syntax {
        list: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "policy list '{list}', line {line}, key {key}: unknown maker '{maker}' (known makers: {known})"
    )]
    UnknownMaker {
        list: String,
        line: usize,
        key: String,
        maker: String,
        known: String,
    },
    #[error("policy list '{list}', line {line}, key name: the file calls itself '{found}'")]
    NameMismatch {
        list: String,
        line: usize,
        found: String,
    },
    #[error("policy list name '{name}' is not lower-case letters, digits and '-'")]
    BadName { name: String },
    #[error("policy list '{list}' is {len} bytes, more than {max}")]
    TooLarge {
        list: String,
        len: usize,
        max: usize,
    },
    #[error("policy list '{list}' has more than {max} entries")]
    TooManyEntries { list: String, max: usize },
    #[error("unknown policy list '{name}' (known lists: {known})")]
    UnknownList { name: String, known: String },
}

/// One restricted maker with the reason and where the reason comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyEntry {
    pub maker: Maker,
    pub reason: String,
    pub source: String,
}

/// One policy list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyList {
    pub name: String,
    pub title: String,
    pub description: String,
    pub entries: Vec<PolicyEntry>,
}

impl PolicyList {
    /// The entry under which `maker` (or a corporate parent of it) is restricted.
    pub fn entry_for(&self, maker: Maker) -> Option<&PolicyEntry> {
        let mut m = Some(maker);
        // Makers are at most two levels deep; the bound guards against a future cycle.
        for _ in 0..4 {
            let current = m?;
            if let Some(e) = self.entries.iter().find(|e| e.maker == current) {
                return Some(e);
            }
            m = current.parent();
        }
        None
    }

    /// Parses a list file; `name` is the list's name and must match the file's `name` key
    /// when the file has one.
    pub fn parse(name: &str, text: &str) -> Result<Self, PolicyError> {
        let valid = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid {
            return Err(PolicyError::BadName {
                name: name.chars().take(64).collect(),
            });
        }
        if text.len() > MAX_FILE {
            return Err(PolicyError::TooLarge {
                list: name.to_owned(),
                len: text.len(),
                max: MAX_FILE,
            });
        }
        let doc: FileDoc = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((0, 0), |s| line_col(text, s.start));
            PolicyError::Syntax {
                list: name.to_owned(),
                line,
                column,
                message: e.message().trim().to_owned(),
            }
        })?;
        if let Some(found) = &doc.name
            && found.get_ref() != name
        {
            let (line, _) = line_col(text, found.span().start);
            return Err(PolicyError::NameMismatch {
                list: name.to_owned(),
                line,
                found: found.get_ref().clone(),
            });
        }
        if doc.restricted.len() > MAX_ENTRIES {
            return Err(PolicyError::TooManyEntries {
                list: name.to_owned(),
                max: MAX_ENTRIES,
            });
        }
        let mut entries = Vec::with_capacity(doc.restricted.len());
        for (i, e) in doc.restricted.into_iter().enumerate() {
            let Some(maker) = Maker::from_name(e.maker.get_ref()) else {
                let (line, _) = line_col(text, e.maker.span().start);
                return Err(PolicyError::UnknownMaker {
                    list: name.to_owned(),
                    line,
                    key: format!("restricted[{i}].maker"),
                    maker: e.maker.get_ref().chars().take(64).collect(),
                    known: Maker::ALL
                        .iter()
                        .map(|m| m.name())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            };
            entries.push(PolicyEntry {
                maker,
                reason: e.reason,
                source: e.source,
            });
        }
        Ok(Self {
            name: name.to_owned(),
            title: doc.title.unwrap_or_default(),
            description: doc.description.unwrap_or_default(),
            entries,
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    name: Option<Spanned<String>>,
    title: Option<String>,
    description: Option<String>,
    #[serde(default)]
    restricted: Vec<EntryDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryDoc {
    maker: Spanned<String>,
    reason: String,
    source: String,
}

/// 1-based line and column of byte offset `at`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at.min(text.len())).unwrap_or(text);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The policy lists known, and which of them are in force.
#[derive(Clone, Debug, Default)]
pub struct PolicySet {
    lists: Vec<PolicyList>,
    /// Indexes into `lists`, in the order the user selected them.
    selected: Vec<usize>,
}

impl PolicySet {
    /// The lists shipped with the binary (`us-ndaa-889`, `uk-nil`), both selected.
    pub fn builtin() -> Self {
        let mut set = Self::default();
        for (name, text) in [("us-ndaa-889", US_NDAA_889), ("uk-nil", UK_NIL)] {
            // The shipped files are fixed data, parsed by the tests of this module.
            let list = PolicyList::parse(name, text).expect("built-in policy files are valid");
            set.lists.push(list);
            set.selected.push(set.lists.len() - 1);
        }
        set
    }

    /// Adds a list from a user file (or replaces the list of that name) and selects it.
    pub fn with_file(mut self, name: &str, toml_text: &str) -> Result<Self, PolicyError> {
        let list = PolicyList::parse(name, toml_text)?;
        match self.lists.iter().position(|l| l.name == list.name) {
            Some(i) => {
                if let Some(slot) = self.lists.get_mut(i) {
                    *slot = list;
                }
                if !self.selected.contains(&i) {
                    self.selected.push(i);
                }
            }
            None => {
                self.lists.push(list);
                self.selected.push(self.lists.len() - 1);
            }
        }
        Ok(self)
    }

    /// Keeps exactly the named lists in force, in that order.
    pub fn select<S: AsRef<str>>(mut self, names: &[S]) -> Result<Self, PolicyError> {
        let mut selected = Vec::with_capacity(names.len());
        for name in names {
            let name = name.as_ref();
            let Some(i) = self.lists.iter().position(|l| l.name == name) else {
                return Err(PolicyError::UnknownList {
                    name: name.chars().take(64).collect(),
                    known: self
                        .lists
                        .iter()
                        .map(|l| l.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            };
            if !selected.contains(&i) {
                selected.push(i);
            }
        }
        self.selected = selected;
        Ok(self)
    }

    /// Every list known, selected or not.
    pub fn lists(&self) -> &[PolicyList] {
        &self.lists
    }

    /// The lists in force, in selection order.
    pub fn selected(&self) -> impl Iterator<Item = &PolicyList> {
        self.selected.iter().filter_map(|&i| self.lists.get(i))
    }

    /// Restricted under which of the selected lists.
    pub fn evaluate(&self, attribution: &camaudit_protocol::record::Attribution) -> Policy {
        self.evaluate_maker(attribution.maker.as_deref())
    }

    /// The verdict for a maker name (`None`: unknown maker, never restricted).
    pub fn evaluate_maker(&self, maker: Option<&str>) -> Policy {
        let Some(maker) = maker.and_then(Maker::from_name) else {
            return Policy::default();
        };
        let lists: Vec<String> = self
            .selected()
            .filter(|l| l.entry_for(maker).is_some())
            .map(|l| l.name.clone())
            .collect();
        Policy {
            restricted: !lists.is_empty(),
            lists,
        }
    }
}

#[cfg(test)]
mod tests {
    use camaudit_protocol::record::Attribution;

    use super::*;

    fn attribution(maker: &str) -> Attribution {
        Attribution {
            maker: Some(maker.to_owned()),
            ..Attribution::default()
        }
    }

    #[test]
    fn builtin_lists_restrict_the_named_makers() {
        let set = PolicySet::builtin();
        let both = ["us-ndaa-889", "uk-nil"];
        let uk = ["uk-nil"];
        let table: &[(&str, &[&str])] = &[
            ("Hikvision", &both),
            ("Dahua", &both),
            ("Huawei", &both),
            ("ZTE", &both),
            ("Hytera", &both),
            ("Uniview", &uk),
            ("Tiandy", &uk),
            ("TVT", &uk),
            ("Kedacom", &uk),
            ("Sunell", &uk),
            ("Xiongmai", &uk),
            ("Milesight", &uk),
            ("Raysharp", &uk),
            ("Jovision", &uk),
        ];
        for &(maker, lists) in table {
            let p = set.evaluate(&attribution(maker));
            assert!(p.restricted, "{maker}");
            assert_eq!(p.lists, lists, "{maker}");
        }
        assert_eq!(set.evaluate(&Attribution::default()), Policy::default());
        assert_eq!(set.evaluate(&attribution("Not A Maker")), Policy::default());
    }

    #[test]
    fn makers_outside_the_prc_are_never_restricted() {
        // Taiwan, Korea, Japan, Europe, the Americas: every such maker camaudit knows.
        let set = PolicySet::builtin();
        let non_prc: Vec<Maker> = Maker::ALL
            .iter()
            .copied()
            .filter(|m| !matches!(m.country(), "CN" | "HK"))
            .collect();
        assert!(non_prc.len() >= 30);
        for m in &non_prc {
            let p = set.evaluate(&attribution(m.name()));
            assert_eq!(
                p,
                Policy::default(),
                "{m} ({}) must not be restricted",
                m.country()
            );
        }
        for taiwanese in [
            "Vivotek",
            "GeoVision",
            "ACTi",
            "AVTECH",
            "D-Link",
            "Merit LILIN",
            "EverFocus",
            "Zavio",
        ] {
            let m = Maker::from_name(taiwanese).unwrap();
            assert_eq!(m.country(), "TW");
            assert!(
                !set.evaluate(&attribution(taiwanese)).restricted,
                "{taiwanese}"
            );
        }
    }

    #[test]
    fn every_builtin_entry_has_a_reason_and_a_source() {
        for l in PolicySet::builtin().lists() {
            assert!(
                !l.title.is_empty() && !l.description.is_empty(),
                "{}",
                l.name
            );
            for e in &l.entries {
                assert!(
                    e.reason.len() > 20 && e.source.len() > 10,
                    "{} {}",
                    l.name,
                    e.maker
                );
            }
        }
    }

    #[test]
    fn select_and_user_files() {
        let set = PolicySet::builtin().select(&["uk-nil"]).unwrap();
        assert_eq!(set.evaluate(&attribution("Hikvision")).lists, ["uk-nil"]);

        let err = PolicySet::builtin()
            .select(&["us-ndaa-889", "eu-ai"])
            .unwrap_err();
        assert_eq!(
            err,
            PolicyError::UnknownList {
                name: "eu-ai".into(),
                known: "us-ndaa-889, uk-nil".into()
            }
        );
        assert!(err.to_string().contains("known lists: us-ndaa-889, uk-nil"));

        let mine = "name = \"site-rules\"\n\n[[restricted]]\nmaker = \"Motorola Solutions\"\nreason = \"site rule\"\nsource = \"local\"\n";
        let set = PolicySet::builtin().with_file("site-rules", mine).unwrap();
        // A parent on a list covers its members.
        assert_eq!(set.evaluate(&attribution("Pelco")).lists, ["site-rules"]);
        assert_eq!(
            set.evaluate(&attribution("Hikvision")).lists,
            ["us-ndaa-889", "uk-nil"]
        );

        // Overriding a built-in list by name.
        let empty_uk = "name = \"uk-nil\"\n";
        let set = PolicySet::builtin().with_file("uk-nil", empty_uk).unwrap();
        assert_eq!(set.evaluate(&attribution("Uniview")), Policy::default());
        assert_eq!(set.evaluate(&attribution("Dahua")).lists, ["us-ndaa-889"]);
    }

    #[test]
    fn bad_files_name_the_line_and_key() {
        let table: &[(&str, &str, PolicyError)] = &[
            (
                "mine",
                "[[restricted]]\nmaker = \"Hikvison\"\nreason = \"typo\"\nsource = \"x\"\n",
                PolicyError::UnknownMaker {
                    list: "mine".into(),
                    line: 2,
                    key: "restricted[0].maker".into(),
                    maker: "Hikvison".into(),
                    known: Maker::ALL
                        .iter()
                        .map(|m| m.name())
                        .collect::<Vec<_>>()
                        .join(", "),
                },
            ),
            (
                "mine",
                "name = \"theirs\"\n",
                PolicyError::NameMismatch {
                    list: "mine".into(),
                    line: 1,
                    found: "theirs".into(),
                },
            ),
            (
                "Mine!",
                "",
                PolicyError::BadName {
                    name: "Mine!".into(),
                },
            ),
        ];
        for (name, text, want) in table {
            assert_eq!(
                PolicyList::parse(name, text).unwrap_err(),
                *want,
                "{text:?}"
            );
        }
        let syntax = [
            (
                "[[restricted]]\nmaker = \"Dahua\"\nsource = \"x\"\n",
                1,
                "missing field `reason`",
            ),
            (
                "title = \"a\"\ncolour = \"red\"\n",
                2,
                "unknown field `colour`",
            ),
            ("title = \n", 1, ""),
        ];
        for (text, line, message) in syntax {
            match PolicyList::parse("mine", text) {
                Err(PolicyError::Syntax {
                    line: l,
                    message: m,
                    ..
                }) => {
                    assert_eq!(l, line, "{text:?}: {m}");
                    assert!(m.contains(message), "{text:?}: {m}");
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
        let big = "#".repeat(MAX_FILE + 1);
        assert!(matches!(
            PolicyList::parse("mine", &big),
            Err(PolicyError::TooLarge { .. })
        ));
    }
}
