//! The DISARM techniques lockstep tags with, against DISARM's own STIX
//! bundle (an extract, tests/fixtures/disarm/README.md).

use lockstep_campaign::vocabulary::disarm;

#[test]
fn disarm_techniques_are_as_disarm_publishes_them() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/disarm/attack-patterns.json");
    let bundle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let objects = bundle["objects"].as_array().unwrap();
    for t in disarm::ALL {
        let o = objects
            .iter()
            .find(|o| o["external_references"][0]["external_id"] == t.id)
            .unwrap_or_else(|| panic!("{} is not in DISARM's bundle", t.id));
        assert_eq!(o["type"], "attack-pattern");
        assert_eq!(o["name"], t.name, "{}", t.id);
        assert_eq!(o["id"], t.stix_id, "{}", t.id);
        assert_eq!(o["kill_chain_phases"][0]["phase_name"], t.tactic, "{}", t.id);
        assert!(o["external_references"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("{}.md", t.id)));
        assert!(t.url().ends_with(&format!("/techniques/{}.md", t.id)));
    }
}
