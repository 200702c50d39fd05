use std::fmt;
use std::str::FromStr;

/// The kind of object an action acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Layer {
    /// Reshare of a post (retweet, forward, boost); the object is the original post.
    Repost = 0,
    /// A URL in the post.
    Url = 1,
    /// The domain of a URL in the post.
    Domain = 2,
    /// A hashtag.
    Hashtag = 3,
    /// A mentioned account.
    Mention = 4,
    /// A reply; the object is the post replied to.
    Reply = 5,
    /// A quote; the object is the quoted post.
    Quote = 6,
    /// Exact normalised text.
    Text = 7,
    /// A perceptual hash of an image.
    Image = 8,
    /// Anything else, named by the user's mapping.
    Custom = 9,
    /// A like (favourite); the object is the liked post.
    Like = 10,
    /// Near-duplicate text: the object is a cluster of texts at least a
    /// threshold similar, derived from the `text` layer after reading.
    NearText = 11,
}

impl Layer {
    /// Every layer, in id order.
    pub const ALL: [Layer; 12] = [
        Layer::Repost,
        Layer::Url,
        Layer::Domain,
        Layer::Hashtag,
        Layer::Mention,
        Layer::Reply,
        Layer::Quote,
        Layer::Text,
        Layer::Image,
        Layer::Custom,
        Layer::Like,
        Layer::NearText,
    ];

    /// The name used on the command line and in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Layer::Repost => "repost",
            Layer::Url => "url",
            Layer::Domain => "domain",
            Layer::Hashtag => "hashtag",
            Layer::Mention => "mention",
            Layer::Reply => "reply",
            Layer::Quote => "quote",
            Layer::Text => "text",
            Layer::Image => "image",
            Layer::Custom => "custom",
            Layer::Like => "like",
            Layer::NearText => "near_text",
        }
    }

    /// Dense index, `0..Layer::ALL.len()`.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Layers whose objects are posts: only there can a content id equal an
    /// object id (CooRTweet's loop rule compares the two).
    pub fn objects_are_posts(self) -> bool {
        matches!(self, Layer::Repost | Layer::Reply | Layer::Quote | Layer::Custom)
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown layer name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseLayerError(pub String);

impl fmt::Display for ParseLayerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = Layer::ALL.iter().map(|l| l.name()).collect();
        write!(f, "unknown layer `{}` (expected one of: {})", self.0, names.join(", "))
    }
}

impl std::error::Error for ParseLayerError {}

impl FromStr for Layer {
    type Err = ParseLayerError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        Layer::ALL
            .iter()
            .copied()
            .find(|l| l.name() == t)
            .or(match t.as_str() {
                "object" => Some(Layer::Custom),
                "retweet" | "forward" | "boost" => Some(Layer::Repost),
                "favourite" | "favorite" => Some(Layer::Like),
                "phash" => Some(Layer::Image),
                "near-text" | "neartext" => Some(Layer::NearText),
                _ => None,
            })
            .ok_or_else(|| ParseLayerError(s.to_string()))
    }
}

/// A set of layers (a bit mask).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct LayerSet(pub u16);

impl LayerSet {
    /// Every layer.
    pub const ALL: LayerSet = LayerSet((1 << Layer::ALL.len()) - 1);

    /// Adds a layer.
    pub fn insert(&mut self, l: Layer) {
        self.0 |= 1 << l.index();
    }
    /// Whether `l` is in the set.
    pub fn contains(self, l: Layer) -> bool {
        self.0 & (1 << l.index()) != 0
    }
    /// The layers in id order.
    pub fn iter(self) -> impl Iterator<Item = Layer> {
        Layer::ALL.into_iter().filter(move |l| self.contains(*l))
    }
    /// The layers named, each as [`Layer`] parses it.
    pub fn parse_names(names: &[String]) -> Result<LayerSet, ParseLayerError> {
        names.iter().map(|n| n.parse::<Layer>()).collect()
    }
    /// Names joined by `sep`.
    pub fn join(self, sep: &str) -> String {
        self.iter().map(|l| l.name()).collect::<Vec<_>>().join(sep)
    }
}

impl FromIterator<Layer> for LayerSet {
    fn from_iter<T: IntoIterator<Item = Layer>>(iter: T) -> Self {
        let mut s = LayerSet::default();
        for l in iter {
            s.insert(l);
        }
        s
    }
}
