//! The shared vocabularies that teams acting on findings use: each signal
//! and each kind of co-action is tagged with the phase of Meta's Online
//! Operations Kill Chain it evidences and the DISARM technique that names
//! it, so that a finding can be filed and compared with others.
//!
//! - **Online Operations Kill Chain** (Ben Nimmo and Eric Hutchins,
//!   "Phase-based Tactical Analysis of Online Operations", Carnegie
//!   Endowment for International Peace, March 2023): ten phases, from
//!   acquiring assets to enabling longevity. lockstep names the phase and
//!   says in its own words what it saw.
//! - **DISARM** (DISARM Foundation, `github.com/DISARMFoundation/DISARMframeworks`,
//!   CC BY 4.0 per its README, the repository's LICENSE.md says CC BY-SA
//!   4.0): technique ids, names and STIX attack-pattern ids as in its STIX
//!   bundle (`generated_files/DISARM_STIX/DISARM.json`, commit `49df5f6`,
//!   February 2025), so that an export references DISARM's own objects.
//!
//! A tag is a lead for the analyst, not a finding of its own: only a
//! cluster scoring [`WORTH_A_LOOK`] (and not set aside as a feed mirror)
//! is tagged, with its co-actions' techniques and those of the signals
//! that alone score that much ([`crate::Score::tags`]).

use crate::Signal;
use lockstep_model::Layer;

/// The score (`-log10 p`) from which a cluster is worth a look: 1 in 100
/// by chance. The report draws a section for such clusters, and a signal
/// or a cluster scoring this much evidences its technique.
pub const WORTH_A_LOOK: f64 = 2.0;

/// A phase of the Online Operations Kill Chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// 1: getting accounts, addresses, numbers and other assets.
    AcquiringAssets = 1,
    /// 2: making assets look authentic.
    DisguisingAssets = 2,
    /// 3: studying targets and platforms.
    GatheringInformation = 3,
    /// 4: organising the operators and their work.
    CoordinatingAndPlanning = 4,
    /// 5: probing a platform's enforcement.
    TestingDefenses = 5,
    /// 6: hiding from detection.
    EvadingDetection = 6,
    /// 7: posting to whoever will see it.
    IndiscriminateEngagement = 7,
    /// 8: engaging chosen people or communities.
    TargetedEngagement = 8,
    /// 9: taking over or corrupting others' assets.
    CompromisingAssets = 9,
    /// 10: surviving enforcement.
    EnablingLongevity = 10,
}

impl Phase {
    /// The phase's name as the kill chain gives it.
    pub fn name(self) -> &'static str {
        match self {
            Phase::AcquiringAssets => "Acquiring assets",
            Phase::DisguisingAssets => "Disguising assets",
            Phase::GatheringInformation => "Gathering information",
            Phase::CoordinatingAndPlanning => "Coordinating and planning",
            Phase::TestingDefenses => "Testing defenses",
            Phase::EvadingDetection => "Evading detection",
            Phase::IndiscriminateEngagement => "Indiscriminate engagement",
            Phase::TargetedEngagement => "Targeted engagement",
            Phase::CompromisingAssets => "Compromising assets",
            Phase::EnablingLongevity => "Enabling longevity",
        }
    }

    /// Its number in the chain, 1 to 10.
    pub fn number(self) -> u8 {
        self as u8
    }
}

/// A DISARM technique, as DISARM's STIX bundle has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Technique {
    /// The technique's id (`T0049.001`).
    pub id: &'static str,
    /// Its name.
    pub name: &'static str,
    /// The DISARM tactic it belongs to, as the bundle's kill-chain phase
    /// name (`maximise-exposure`).
    pub tactic: &'static str,
    /// Its `attack-pattern` id in DISARM's STIX bundle.
    pub stix_id: &'static str,
}

impl Technique {
    /// The technique's page in DISARM's repository.
    pub fn url(self) -> String {
        format!(
            "https://github.com/DISARMFoundation/DISARMframeworks/blob/main/generated_pages/techniques/{}.md",
            self.id
        )
    }
}

/// DISARM techniques lockstep tags with, from DISARM's STIX bundle.
pub mod disarm {
    use super::Technique;

    /// T0049 Flood Information Space.
    pub const FLOOD: Technique = Technique {
        id: "T0049",
        name: "Flood Information Space",
        tactic: "maximise-exposure",
        stix_id: "attack-pattern--0c765d19-99b2-4703-af48-e20a677c4bfc",
    };
    /// T0049.001 Trolls Amplify and Manipulate.
    pub const TROLLS_AMPLIFY: Technique = Technique {
        id: "T0049.001",
        name: "Trolls Amplify and Manipulate",
        tactic: "maximise-exposure",
        stix_id: "attack-pattern--1c13465b-8b75-4b7d-a763-fe5b1d091635",
    };
    /// T0049.002 Flood Existing Hashtag.
    pub const FLOOD_HASHTAG: Technique = Technique {
        id: "T0049.002",
        name: "Flood Existing Hashtag",
        tactic: "maximise-exposure",
        stix_id: "attack-pattern--bfce790b-dfd6-46ca-8fab-c2d72f21bba2",
    };
    /// T0049.003 Bots Amplify via Automated Forwarding and Reposting.
    pub const BOTS_AMPLIFY: Technique = Technique {
        id: "T0049.003",
        name: "Bots Amplify via Automated Forwarding and Reposting",
        tactic: "maximise-exposure",
        stix_id: "attack-pattern--e6ab2793-a059-4354-bb60-045afb019833",
    };
    /// T0084 Reuse Existing Content.
    pub const REUSE_CONTENT: Technique = Technique {
        id: "T0084",
        name: "Reuse Existing Content",
        tactic: "develop-content",
        stix_id: "attack-pattern--9636ae57-0b93-41a0-8323-85109ee34877",
    };
    /// T0084.001 Use Copypasta.
    pub const COPYPASTA: Technique = Technique {
        id: "T0084.001",
        name: "Use Copypasta",
        tactic: "develop-content",
        stix_id: "attack-pattern--4cd719a9-e817-4acc-9581-6b6a60e42f35",
    };
    /// T0119 Cross-Posting.
    pub const CROSS_POSTING: Technique = Technique {
        id: "T0119",
        name: "Cross-Posting",
        tactic: "maximise-exposure",
        stix_id: "attack-pattern--872f0dc3-202e-4e9a-a4fc-0457252aecae",
    };
    /// T0144.002 Persona Template.
    pub const PERSONA_TEMPLATE: Technique = Technique {
        id: "T0144.002",
        name: "Persona Template",
        tactic: "establish-legitimacy",
        stix_id: "attack-pattern--57c27a31-54ea-47e7-80f1-f04e502de44f",
    };
    /// T0146 Account Asset.
    pub const ACCOUNT_ASSET: Technique = Technique {
        id: "T0146",
        name: "Account Asset",
        tactic: "establish-assets",
        stix_id: "attack-pattern--25bb6f16-eabe-4d13-a984-fa9f0cef7515",
    };
    /// T0146.007 Automated Account Asset.
    pub const AUTOMATED_ACCOUNT: Technique = Technique {
        id: "T0146.007",
        name: "Automated Account Asset",
        tactic: "establish-assets",
        stix_id: "attack-pattern--7e85d897-f480-4118-b571-556f4f99edd4",
    };

    /// Every technique above.
    pub const ALL: [Technique; 10] = [
        FLOOD,
        TROLLS_AMPLIFY,
        FLOOD_HASHTAG,
        BOTS_AMPLIFY,
        REUSE_CONTENT,
        COPYPASTA,
        CROSS_POSTING,
        PERSONA_TEMPLATE,
        ACCOUNT_ASSET,
        AUTOMATED_ACCOUNT,
    ];
}

/// What a signal or a kind of co-action evidences: the kill chain's phase,
/// what lockstep saw in that phase (its own words), and the DISARM
/// technique.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag {
    /// The kill chain's phase.
    pub phase: Phase,
    /// What was seen, in lockstep's words.
    pub behaviour: &'static str,
    /// The DISARM technique.
    pub technique: Technique,
}

impl Signal {
    /// What the signal evidences.
    pub fn tag(self) -> Tag {
        use disarm::*;
        let (phase, behaviour, technique) = match self {
            Signal::Coordination => {
                (Phase::IndiscriminateEngagement, "acting in concert beyond chance", FLOOD)
            }
            Signal::CreationBatch => {
                (Phase::AcquiringAssets, "accounts created in a batch", ACCOUNT_ASSET)
            }
            Signal::HandleTemplate => {
                (Phase::DisguisingAssets, "handles made from one template", PERSONA_TEMPLATE)
            }
            Signal::ClientApp => (
                Phase::CoordinatingAndPlanning,
                "posting through one client app",
                AUTOMATED_ACCOUNT,
            ),
            Signal::DefaultPicture => {
                (Phase::AcquiringAssets, "profiles left with the default picture", ACCOUNT_ASSET)
            }
            Signal::FastReposts => {
                (Phase::IndiscriminateEngagement, "reposting within seconds", BOTS_AMPLIFY)
            }
            Signal::ThinAudience => {
                (Phase::AcquiringAssets, "accounts with few followers per following", ACCOUNT_ASSET)
            }
            Signal::OfficeHours => (
                Phase::CoordinatingAndPlanning,
                "working to a regular shift pattern",
                TROLLS_AMPLIFY,
            ),
        };
        Tag { phase, behaviour, technique }
    }
}

/// What co-actions on a layer evidence; `None` for a layer of the user's
/// own naming.
pub fn layer_tag(layer: Layer) -> Option<Tag> {
    use disarm::*;
    let (phase, behaviour, technique) = match layer {
        Layer::Repost | Layer::Quote | Layer::Like => {
            (Phase::IndiscriminateEngagement, "amplifying the same posts together", FLOOD)
        }
        Layer::Reply | Layer::Mention => {
            (Phase::TargetedEngagement, "engaging the same posts or accounts together", FLOOD)
        }
        Layer::Url | Layer::Domain => {
            (Phase::IndiscriminateEngagement, "posting the same links together", CROSS_POSTING)
        }
        Layer::Hashtag => {
            (Phase::IndiscriminateEngagement, "pushing the same hashtags together", FLOOD_HASHTAG)
        }
        Layer::Text => (Phase::IndiscriminateEngagement, "posting the same text", COPYPASTA),
        Layer::NearText => (Phase::IndiscriminateEngagement, "editing copied content", COPYPASTA),
        Layer::Image => (Phase::IndiscriminateEngagement, "posting the same images", REUSE_CONTENT),
        Layer::Custom => return None,
    };
    Some(Tag { phase, behaviour, technique })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signal_and_known_layer_is_tagged_with_a_listed_technique() {
        for s in Signal::ALL {
            assert!(disarm::ALL.contains(&s.tag().technique), "{s:?}");
        }
        for l in Layer::ALL {
            match layer_tag(l) {
                Some(t) => assert!(disarm::ALL.contains(&t.technique), "{l:?}"),
                None => assert_eq!(l, Layer::Custom),
            }
        }
        // Ids and STIX ids are distinct: each names one technique.
        let ids: std::collections::HashSet<_> = disarm::ALL.iter().map(|t| t.id).collect();
        let stix: std::collections::HashSet<_> = disarm::ALL.iter().map(|t| t.stix_id).collect();
        assert_eq!((ids.len(), stix.len()), (disarm::ALL.len(), disarm::ALL.len()));
        assert_eq!(Phase::EnablingLongevity.number(), 10);
    }
}
