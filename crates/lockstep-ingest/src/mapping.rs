use crate::IngestError;
use lockstep_model::Layer;
use std::fmt;
use std::str::FromStr;

/// What a column means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The acting account.
    Account,
    /// The post that performed the action.
    Content,
    /// When it happened.
    Timestamp,
    /// The platform name.
    Platform,
    /// Objects on a layer (`object` maps to [`Layer::Custom`]).
    Layer(Layer),
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Account => f.write_str("account"),
            Role::Content => f.write_str("content"),
            Role::Timestamp => f.write_str("timestamp"),
            Role::Platform => f.write_str("platform"),
            Role::Layer(Layer::Custom) => f.write_str("object"),
            Role::Layer(l) => f.write_str(l.name()),
        }
    }
}

/// A `--map ROLE=COLUMN,...` mapping, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap(pub Vec<(Role, String)>);

impl ColumnMap {
    /// CooRTweet's four columns.
    pub fn coortweet() -> Self {
        ColumnMap(vec![
            (Role::Layer(Layer::Custom), "object_id".into()),
            (Role::Account, "account_id".into()),
            (Role::Content, "content_id".into()),
            (Role::Timestamp, "timestamp_share".into()),
        ])
    }

    /// The user's mapping over the CooRTweet defaults: roles the user names
    /// replace the default's, and any layer the user names replaces the
    /// default `object` column.
    pub fn over_defaults(self) -> Self {
        let user_has_layer = self.0.iter().any(|(r, _)| matches!(r, Role::Layer(_)));
        let mut out: Vec<(Role, String)> = ColumnMap::coortweet()
            .0
            .into_iter()
            .filter(|(r, _)| !matches!(r, Role::Layer(_)) || !user_has_layer)
            .filter(|(r, _)| !self.0.iter().any(|(u, _)| u == r))
            .collect();
        out.extend(self.0);
        ColumnMap(out)
    }

    /// The column of a non-layer role.
    pub fn column(&self, role: Role) -> Option<&str> {
        self.0.iter().find(|(r, _)| *r == role).map(|(_, c)| c.as_str())
    }
}

impl ColumnMap {
    /// A mapping from `(role, column)` pairs; `source` names where they
    /// came from in error messages.
    fn from_pairs<'a>(
        source: &str,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, IngestError> {
        let mut out: Vec<(Role, String)> = Vec::new();
        for (role, col) in pairs {
            let role = match role.trim().to_ascii_lowercase().as_str() {
                "account" => Role::Account,
                "content" => Role::Content,
                "timestamp" | "time" => Role::Timestamp,
                "platform" => Role::Platform,
                other => Role::Layer(other.parse().map_err(|e: lockstep_model::ParseLayerError| {
                    IngestError::Config(format!(
                        "{source}: {e}; roles are account, content, timestamp, platform, object or a layer"
                    ))
                })?),
            };
            if role == Role::Layer(Layer::NearText) {
                return Err(IngestError::Config(format!(
                    "{source}: `near_text` is derived from the text layer: map the text with `text=COLUMN` and select `--layers near_text`"
                )));
            }
            if out.iter().any(|(r, _)| *r == role) {
                return Err(IngestError::Config(format!("{source}: role `{role}` given twice")));
            }
            out.push((role, col.trim().to_string()));
        }
        if out.is_empty() {
            return Err(IngestError::Config(format!("{source} is empty")));
        }
        Ok(ColumnMap(out))
    }

    /// A mapping from the text of a TOML file of `role = "column"` lines
    /// (`file` names it in errors). Roles keep the file's order, as they
    /// keep the flag's (it orders a record's actions); a column name or JSON
    /// path with dots or spaces is quoted as TOML requires.
    pub fn from_toml(file: &str, text: &str) -> Result<Self, IngestError> {
        let source = format!("mapping file `{file}`");
        let table: toml::Table =
            text.parse().map_err(|e| IngestError::Config(format!("{source}: {e}")))?;
        let mut pairs = Vec::new();
        for (role, value) in &table {
            let column = value.as_str().ok_or_else(|| {
                IngestError::Config(format!(
                    "{source}: `{role}` must be a quoted column name or JSON path, not a {}",
                    value.type_str()
                ))
            })?;
            pairs.push((role.as_str(), column));
        }
        ColumnMap::from_pairs(&source, pairs)
    }
}

impl FromStr for ColumnMap {
    type Err = IngestError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut pairs = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (role, col) = part.split_once('=').ok_or_else(|| {
                IngestError::Config(format!("`--map`: `{part}` is not ROLE=COLUMN"))
            })?;
            pairs.push((role, col));
        }
        ColumnMap::from_pairs("`--map`", pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_layers_replace_default_object() {
        let m: ColumnMap = "url=url_id,content=post_id,timestamp=timestamp".parse().unwrap();
        let m = m.over_defaults();
        assert_eq!(m.column(Role::Account), Some("account_id"));
        assert_eq!(m.column(Role::Content), Some("post_id"));
        assert_eq!(m.column(Role::Timestamp), Some("timestamp"));
        assert_eq!(m.column(Role::Layer(Layer::Custom)), None);
        assert_eq!(m.column(Role::Layer(Layer::Url)), Some("url_id"));
    }

    #[test]
    fn bad_maps_say_why() {
        let e = "colour=x".parse::<ColumnMap>().unwrap_err().to_string();
        assert!(e.contains("unknown layer `colour`"), "{e}");
        assert!("url".parse::<ColumnMap>().is_err());
        assert!("url=a,url=b".parse::<ColumnMap>().is_err());
    }

    #[test]
    fn toml_mapping_equals_the_flag() {
        let text = "# a CrowdTangle-like export\naccount = \"Page ID\"\ncontent = \"URL\"\ntimestamp = \"Post Created\"\nurl = \"Link\"\n\"text\" = \"record.body.text\"\n";
        let from_file = ColumnMap::from_toml("m.toml", text).unwrap();
        let from_flag: ColumnMap =
            "account=Page ID,content=URL,timestamp=Post Created,url=Link,text=record.body.text"
                .parse()
                .unwrap();
        assert_eq!(from_file, from_flag);
    }

    #[test]
    fn bad_toml_mappings_name_the_file_and_the_problem() {
        let e = ColumnMap::from_toml("m.toml", "url = 3").unwrap_err().to_string();
        assert!(e.contains("m.toml") && e.contains("`url` must be a quoted"), "{e}");
        let e = ColumnMap::from_toml("m.toml", "url = \"a\"\nurl = \"b\"").unwrap_err().to_string();
        assert!(e.contains("m.toml") && e.contains("line 2"), "{e}");
        let e = ColumnMap::from_toml("m.toml", "colour = \"x\"").unwrap_err().to_string();
        assert!(e.contains("unknown layer `colour`"), "{e}");
        let e = ColumnMap::from_toml("m.toml", "# nothing").unwrap_err().to_string();
        assert!(e.contains("m.toml` is empty"), "{e}");
    }
}
