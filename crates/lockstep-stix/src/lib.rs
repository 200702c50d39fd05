//! A run's campaigns as a STIX 2.1 bundle, for the threat-intelligence
//! platforms (OpenCTI, MISP and others) that teams acting on findings
//! share them through.
//!
//! From a run folder, for each cluster worth a look (a campaign score of
//! [`WORTH_A_LOOK`] or more, feed mirrors aside; every cluster on request):
//!
//! - a `grouping` (context `suspicious-activity`: lockstep finds
//!   coordination, which is evidence of a common driver, not proof of
//!   inauthenticity or of who runs it) that says what was found, how strong
//!   it is, its signals and what they evidence;
//! - an `observed-data` over the cluster's coordinated period, referring to
//!   its accounts and the links and sites it pushed;
//! - a `user-account` per account (platform, id, handle), and a `url` or
//!   `domain-name` per link or site among its talking points;
//! - an `attack-pattern` per DISARM technique it evidences, with DISARM's
//!   id and the phases of DISARM and of the Online Operations Kill Chain in
//!   which lockstep tags it ([`lockstep_campaign::vocabulary`]).
//!
//! The tool itself is an `identity` (`identity_class` `system`) that
//! creates every domain object.
//!
//! **Ids.** Observables get the deterministic UUIDv5 ids STIX 2.1 defines
//! (its namespace, the canonical JSON of the id-contributing properties),
//! so that two bundles naming one account name it with one id. Domain
//! objects get ids in UUIDv4 form derived from a SHA-256 of what they
//! describe and of the run (inputs' digests, parameters but the tables'
//! format, version) and the bundle's time, so that the same run exported
//! at the same time gives the same bytes, and no two runs' objects share
//! an id. The identity and the attack patterns are the same objects in
//! every bundle.

use lockstep_campaign::vocabulary::{disarm, layer_tag, Technique};
use lockstep_campaign::{Signal, WORTH_A_LOOK};
use lockstep_report::{files, Table};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum StixError {
    /// The run folder could not be read.
    #[error(transparent)]
    Run(#[from] lockstep_report::ReportError),
    /// A file could not be read or written.
    #[error("`{}`: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A file of the run is not what its writer writes.
    #[error("`{}`: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// What to export.
#[derive(Debug, Clone)]
pub struct Options {
    /// The bundle's time, in milliseconds since the Unix epoch: `created`
    /// and `modified` of the run's objects.
    pub created_ms: i64,
    /// Every cluster, not only the campaigns worth a look.
    pub all_clusters: bool,
}

/// What a bundle holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exported {
    /// Clusters exported (one `grouping` each).
    pub groupings: usize,
    /// `user-account` objects.
    pub accounts: usize,
    /// Objects in all.
    pub objects: usize,
}

/// The namespace STIX 2.1 gives for deterministic observable ids
/// (section 2.9).
const STIX_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x00abedb4_aa42_466c_9c01_fed23315a9b7);

/// `created` and `modified` of the objects every bundle shares (the tool's
/// identity, the attack patterns): when their content was last changed.
const VOCABULARY_TIME: &str = "2026-12-06T00:00:00.000Z";

/// The kill chain names of the attack patterns' phases.
const DISARM_CHAIN: &str = "disarm";
const ONLINE_OPERATIONS_CHAIN: &str = "online-operations-kill-chain";

/// An id in UUIDv4 form from a SHA-256 of `parts`.
fn derived_id(kind: &str, parts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(b"lockstep-stix");
    for p in std::iter::once(kind).chain(parts.iter().copied()) {
        h.update([0]);
        h.update(p.as_bytes());
    }
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    format!("{kind}--{}", uuid::Uuid::from_bytes(b).hyphenated())
}

/// An observable's id: UUIDv5 in STIX's namespace over the canonical JSON
/// (RFC 8785) of its id-contributing properties. For string values and
/// keys in order, serde_json's compact output is that canonical form.
fn observable_id(kind: &str, contributing: &Map<String, Value>) -> String {
    let canonical = serde_json::to_string(contributing).expect("strings serialise");
    format!("{kind}--{}", uuid::Uuid::new_v5(&STIX_NAMESPACE, canonical.as_bytes()).hyphenated())
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`: STIX wants `created` and `modified` to the
/// millisecond.
pub fn stix_time(ms: i64) -> String {
    let (days, in_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, m, d) = lockstep_model::time::civil_from_days(days);
    let s = in_day / 1000;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        s / 3600,
        s / 60 % 60,
        s % 60,
        in_day % 1000
    )
}

/// The STIX `account_type` of a lockstep account namespace (`x:` ids are
/// X/Twitter accounts), and the namespace's prefix to strip from the id.
fn account_type(namespace: &str) -> Option<&'static str> {
    Some(match namespace {
        "x" => "twitter",
        "tg" => "telegram",
        "bsky" => "bluesky",
        "mastodon" => "mastodon",
        "reddit" => "reddit",
        "fb" => "facebook",
        "ig" => "instagram",
        "yt" => "youtube",
        _ => return None,
    })
}

/// A `user-account` from a lockstep account (`x:12345` or a bare id) and
/// its handle.
fn user_account(account: &str, handle: &str) -> Value {
    let mut props = Map::new();
    let (kind, id) = match account.split_once(':') {
        Some((ns, id)) if !id.is_empty() => match account_type(ns) {
            Some(kind) => (Some(kind), id),
            None => (None, account),
        },
        _ => (None, account),
    };
    if let Some(kind) = kind {
        props.insert("account_type".into(), kind.into());
    }
    props.insert("user_id".into(), id.into());
    if !handle.is_empty() {
        props.insert("account_login".into(), handle.into());
    }
    let id = observable_id("user-account", &props);
    let mut o = Map::new();
    o.insert("type".into(), "user-account".into());
    o.insert("spec_version".into(), "2.1".into());
    o.insert("id".into(), id.into());
    o.extend(props);
    Value::Object(o)
}

/// A `url` or `domain-name` observable.
fn value_observable(kind: &str, value: &str) -> Value {
    let mut props = Map::new();
    props.insert("value".into(), value.into());
    json!({"type": kind, "spec_version": "2.1", "id": observable_id(kind, &props), "value": value})
}

/// An absolute http(s) URL without spaces: what a `url` may hold.
fn is_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://"))
        && s.len() > "https://".len()
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A host name: labels of letters, digits and hyphens.
fn is_domain(s: &str) -> bool {
    s.contains('.')
        && s.split('.').all(|l| {
            !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        })
}

/// The tool's identity.
fn identity() -> Value {
    json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": derived_id("identity", &["lockstep"]),
        "created": VOCABULARY_TIME,
        "modified": VOCABULARY_TIME,
        "name": "lockstep",
        "identity_class": "system",
        "description": "Finds accounts that act in concert beyond chance in social media exports, with the evidence behind every link.",
    })
}

/// The phases of the Online Operations Kill Chain in which lockstep tags a
/// technique, in the chain's order.
fn online_phases(t: Technique) -> Vec<lockstep_campaign::Phase> {
    let tags = Signal::ALL
        .into_iter()
        .map(Signal::tag)
        .chain(lockstep_model::Layer::ALL.into_iter().filter_map(layer_tag));
    let phases: BTreeSet<_> = tags.filter(|tag| tag.technique == t).map(|tag| tag.phase).collect();
    phases.into_iter().collect()
}

fn slug(name: &str) -> String {
    name.to_lowercase().replace(' ', "-")
}

/// The attack pattern of a DISARM technique.
fn attack_pattern(t: Technique, creator: &str) -> Value {
    let mut phases = vec![json!({"kill_chain_name": DISARM_CHAIN, "phase_name": t.tactic})];
    phases.extend(online_phases(t).into_iter().map(
        |p| json!({"kill_chain_name": ONLINE_OPERATIONS_CHAIN, "phase_name": slug(p.name())}),
    ));
    json!({
        "type": "attack-pattern",
        "spec_version": "2.1",
        "id": derived_id("attack-pattern", &[t.id]),
        "created": VOCABULARY_TIME,
        "modified": VOCABULARY_TIME,
        "created_by_ref": creator,
        "name": t.name,
        "external_references": [
            {"source_name": "DISARM", "external_id": t.id, "url": t.url()},
            {"source_name": "DISARM STIX bundle", "external_id": t.stix_id},
        ],
        "kill_chain_phases": phases,
    })
}

fn invalid(path: &Path, message: impl Into<String>) -> StixError {
    StixError::Invalid { path: path.to_path_buf(), message: message.into() }
}

/// One cluster of campaigns.csv.
struct Campaign {
    cluster: String,
    score: f64,
    set_aside: bool,
    explanation: String,
    kill_chain: String,
    disarm: Vec<String>,
}

/// The bundle of the run in `dir`.
pub fn bundle(dir: &Path, options: &Options) -> Result<(Value, Exported), StixError> {
    lockstep_report::check_run_folder(dir)?;
    let summary_path = dir.join(files::SUMMARY_JSON);
    let text = std::fs::read_to_string(&summary_path)
        .map_err(|source| StixError::Io { path: summary_path.clone(), source })?;
    let summary: Value = serde_json::from_str(&text)
        .map_err(|e| invalid(&summary_path, format!("not a lockstep summary: {e}")))?;
    let campaigns = Table::required(dir, files::campaigns::FILE)?;
    let clusters = Table::required(dir, files::clusters::FILE)?;
    let accounts = Table::required(dir, files::accounts::FILE)?;
    let points = Table::read(&dir.join(files::talking_points::FILE))?;
    // Cells of input text as they were read, before the formula guard.
    let guarded = summary["parameters"]["raw_csv"] != Value::Bool(true);
    let cell = |s: &'_ str| -> String {
        if guarded { lockstep_report::unguard(s) } else { s }.to_string()
    };

    // What makes this run's objects this run's: its inputs, parameters and
    // version, and the bundle's time.
    let created = stix_time(options.created_ms);
    let digests: Vec<&str> = summary["inputs"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["sha256"].as_str()).collect())
        .unwrap_or_default();
    // The format of the tables is not part of the run: its findings, and so
    // its objects, are the same in CSV or Parquet.
    let mut parameters = summary["parameters"].clone();
    if let Some(p) = parameters.as_object_mut() {
        p.remove("output_format");
    }
    let seed = format!(
        "{}\n{}\n{}\n{created}",
        summary["lockstep_version"],
        parameters,
        digests.join(",")
    );

    let c = |name| campaigns.need(name);
    let (ci, si, pi, ei) = (
        c(files::campaigns::CLUSTER)?,
        c(files::campaigns::SCORE)?,
        c(files::campaigns::PATTERN)?,
        c(files::campaigns::EXPLANATION)?,
    );
    let (ki, di) = (c(files::campaigns::KILL_CHAIN)?, c(files::campaigns::DISARM)?);
    let mut chosen = Vec::new();
    for row in &campaigns.rows {
        let score: f64 = row[si].parse().map_err(|_| {
            invalid(&campaigns.path, format!("score `{}` is not a number", &row[si]))
        })?;
        let set_aside = !row[pi].is_empty();
        if options.all_clusters || (!set_aside && score >= WORTH_A_LOOK) {
            chosen.push(Campaign {
                cluster: row[ci].to_string(),
                score,
                set_aside,
                explanation: row[ei].to_string(),
                kill_chain: row[ki].to_string(),
                disarm: row[di]
                    .split(files::campaigns::LIST_SEPARATOR)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            });
        }
    }

    let identity = identity();
    let creator = identity["id"].as_str().expect("set above").to_string();
    let mut objects = vec![identity];
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut exported = Exported::default();

    // The attack patterns the chosen clusters evidence, in DISARM's order.
    let used: BTreeSet<&str> =
        chosen.iter().flat_map(|c| c.disarm.iter().map(String::as_str)).collect();
    for t in disarm::ALL.into_iter().filter(|t| used.contains(t.id)) {
        objects.push(attack_pattern(t, &creator));
    }
    if let Some(unknown) = used.iter().find(|id| !disarm::ALL.iter().any(|t| t.id == **id)) {
        return Err(invalid(
            &campaigns.path,
            format!("DISARM technique `{unknown}` is not one lockstep tags with"),
        ));
    }

    let (cc, cf, cl, cw) = (
        clusters.need(files::clusters::CLUSTER)?,
        clusters.need(files::clusters::FIRST_TIME_UTC)?,
        clusters.need(files::clusters::LAST_TIME_UTC)?,
        clusters.need(files::clusters::TOTAL_WEIGHT)?,
    );
    let (aa, ac, ah) = (
        accounts.need(files::accounts::ACCOUNT)?,
        accounts.need(files::accounts::CLUSTER)?,
        accounts.col(files::accounts::HANDLE),
    );
    // Each table's rows by cluster, in one pass each.
    let by_cluster = |rows: &'_ [csv::StringRecord], col: usize| {
        let mut by: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in rows.iter().enumerate() {
            by.entry(r[col].to_string()).or_default().push(i);
        }
        by
    };
    let cluster_row = by_cluster(&clusters.rows, cc);
    let members = by_cluster(&accounts.rows, ac);
    let talking = match &points {
        Some(p) => {
            let col = |n| p.need(n);
            let cols = (col(files::talking_points::LAYER)?, col(files::talking_points::OBJECT)?);
            Some((p, cols, by_cluster(&p.rows, col(files::talking_points::CLUSTER)?)))
        }
        None => None,
    };
    for campaign in &chosen {
        let Some(&[row]) = cluster_row.get(&campaign.cluster).map(Vec::as_slice) else {
            return Err(invalid(
                &clusters.path,
                format!("no single cluster {} (campaigns.csv names it)", campaign.cluster),
            ));
        };
        let crow = &clusters.rows[row];
        let mut refs: Vec<String> = Vec::new();
        let mut referred: HashSet<String> = HashSet::new();
        let mut new_objects: Vec<Value> = Vec::new();
        let mut push = |o: Value, refs: &mut Vec<String>| {
            let id = o["id"].as_str().expect("every object has an id").to_string();
            if seen.insert(id.clone()) {
                new_objects.push(o);
            }
            if referred.insert(id.clone()) {
                refs.push(id);
            }
        };
        let rows = members.get(&campaign.cluster).map_or(&[][..], Vec::as_slice);
        for r in rows.iter().map(|&i| &accounts.rows[i]) {
            push(user_account(&cell(&r[aa]), &cell(ah.map_or("", |h| &r[h]))), &mut refs);
        }
        let n_accounts = rows.len();
        if let Some((p, (pl, po), by)) = &talking {
            let rows = by.get(&campaign.cluster).map_or(&[][..], Vec::as_slice);
            for r in rows.iter().map(|&i| &p.rows[i]) {
                let object = cell(&r[*po]);
                match &r[*pl] {
                    "url" if is_url(&object) => push(value_observable("url", &object), &mut refs),
                    "domain" if is_domain(&object) => {
                        push(value_observable("domain-name", &object), &mut refs)
                    }
                    _ => {}
                }
            }
        }
        let observed_refs = refs.clone();
        let weight: u64 = crow[cw].parse().unwrap_or(1);
        let observed = json!({
            "type": "observed-data",
            "spec_version": "2.1",
            "id": derived_id("observed-data", &[&seed, &campaign.cluster]),
            "created": created,
            "modified": created,
            "created_by_ref": creator,
            "first_observed": &crow[cf],
            "last_observed": &crow[cl],
            "number_observed": weight.clamp(1, 999_999_999),
            "object_refs": observed_refs,
        });
        let observed_id = observed["id"].as_str().expect("set above").to_string();
        let mut grouping_refs = vec![observed_id];
        grouping_refs.extend(refs);
        grouping_refs.extend(
            disarm::ALL
                .into_iter()
                .filter(|t| campaign.disarm.iter().any(|id| id == t.id))
                .map(|t| derived_id("attack-pattern", &[t.id])),
        );
        let grouping = json!({
            "type": "grouping",
            "spec_version": "2.1",
            "id": derived_id("grouping", &[&seed, &campaign.cluster]),
            "created": created,
            "modified": created,
            "created_by_ref": creator,
            "name": format!("lockstep cluster {}", campaign.cluster),
            "description": describe(campaign, n_accounts),
            "context": "suspicious-activity",
            "object_refs": grouping_refs,
        });
        objects.push(grouping);
        objects.push(observed);
        objects.extend(new_objects);
        exported.groupings += 1;
        exported.accounts += n_accounts;
    }
    exported.objects = objects.len();
    let bundle = json!({
        "type": "bundle",
        "id": derived_id("bundle", &[&seed]),
        "objects": objects,
    });
    Ok((bundle, exported))
}

/// A grouping's description: what was found, how strong, what it
/// evidences, and what it cannot say.
fn describe(c: &Campaign, accounts: usize) -> String {
    let mut out = format!(
        "{accounts} accounts that acted on the same objects within the run's window more often than chance allows. Campaign score {:.2} (-log10 of the probability that its signals together come by chance).",
        c.score
    );
    if c.set_aside {
        out.push_str(" Set aside as a feed mirror.");
    }
    out.push_str(&format!(" Signals: {}.", c.explanation));
    if !c.kill_chain.is_empty() {
        out.push_str(&format!(
            " Evidences, in the Online Operations Kill Chain: {}; in DISARM: {}.",
            c.kill_chain,
            c.disarm.join(", ")
        ));
    }
    out.push_str(" Acting in concert is evidence of a common driver, not proof that the accounts are fake or of who runs them.");
    out
}

/// Writes the bundle of the run in `dir` to `path`.
pub fn write(dir: &Path, path: &Path, options: &Options) -> Result<Exported, StixError> {
    let (bundle, exported) = bundle(dir, options)?;
    let mut text = serde_json::to_string_pretty(&bundle).expect("a value serialises");
    text.push('\n');
    std::fs::write(path, text)
        .map_err(|source| StixError::Io { path: path.to_path_buf(), source })?;
    Ok(exported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observable_ids_are_the_ones_stix_defines() {
        // STIX 2.1, section 2.9's example: a url whose value is
        // `https://example.com/` ... its id is not given there, so the
        // check is the UUIDv5 construction itself: version 5, STIX's
        // namespace, canonical JSON.
        let o = value_observable("domain-name", "example.com");
        let id = o["id"].as_str().unwrap();
        let u = uuid::Uuid::parse_str(id.strip_prefix("domain-name--").unwrap()).unwrap();
        assert_eq!(u.get_version_num(), 5);
        assert_eq!(u, uuid::Uuid::new_v5(&STIX_NAMESPACE, br#"{"value":"example.com"}"#));
        // Keys in order, only those present.
        let a = user_account("x:12345", "vera61");
        assert_eq!(a["account_type"], "twitter");
        assert_eq!(a["user_id"], "12345");
        let expected = uuid::Uuid::new_v5(
            &STIX_NAMESPACE,
            br#"{"account_login":"vera61","account_type":"twitter","user_id":"12345"}"#,
        );
        assert_eq!(a["id"], format!("user-account--{expected}"));
        // An unknown namespace stays part of the id.
        let b = user_account("weird:7", "");
        assert_eq!((b["user_id"].as_str(), b.get("account_type")), (Some("weird:7"), None));
    }

    #[test]
    fn derived_ids_are_uuid4_shaped_and_stable() {
        let id = derived_id("grouping", &["seed", "1"]);
        let u = uuid::Uuid::parse_str(id.strip_prefix("grouping--").unwrap()).unwrap();
        assert_eq!(u.get_version_num(), 4);
        assert_eq!(u.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(id, derived_id("grouping", &["seed", "1"]));
        assert_ne!(id, derived_id("grouping", &["seed", "2"]));
        assert_ne!(derived_id("a", &["bc"]), derived_id("a", &["b", "c"]));
    }

    #[test]
    fn times_to_the_millisecond() {
        assert_eq!(stix_time(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(stix_time(1_733_511_296_007), "2024-12-06T18:54:56.007Z");
        assert_eq!(stix_time(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn only_well_formed_links_and_sites_become_observables() {
        assert!(is_url("https://site.example/a?b=c"));
        assert!(!is_url("https://"));
        assert!(!is_url("javascript:alert(1)"));
        assert!(!is_url("https://a b"));
        assert!(is_domain("site9100.example") && is_domain("xn--80ak6aa92e.com"));
        assert!(!is_domain("localhost") && !is_domain("a..b") && !is_domain("<b>.com"));
    }

    #[test]
    fn every_technique_has_its_kill_chain_phases() {
        for t in disarm::ALL {
            assert!(!online_phases(t).is_empty(), "{} is tagged nowhere", t.id);
        }
        assert_eq!(slug("Coordinating and planning"), "coordinating-and-planning");
    }
}
