//! Field types for typed, borrowing JSON records that read like lookups in
//! a `serde_json::Value` tree: a field of an unexpected JSON type reads as
//! absent instead of failing the whole record. Exports mix types (ids as
//! numbers, `null` lists, strings where objects were expected), and one odd
//! field must not cost a post. Typed records skip the tree's allocations:
//! parsing into `Value` cost several times the tokenising itself.

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// A JSON string, borrowed from the input unless it has escapes; any other
/// value is `None`.
#[derive(Default, Debug)]
pub(crate) struct Str<'a>(pub Option<Cow<'a, str>>);

impl Str<'_> {
    /// The string, unless absent or empty (as `str_at` on a tree).
    pub(crate) fn get(&self) -> Option<&str> {
        self.0.as_deref().filter(|s| !s.is_empty())
    }
}

/// A JSON number, or a string holding one, as its text: timestamps and
/// ids come both ways. Any other value is `None`.
#[derive(Default, Debug)]
pub(crate) struct NumText<'a>(pub Option<Cow<'a, str>>);

/// A JSON unsigned integer; any other value is `None`.
#[derive(Default, Debug)]
pub(crate) struct U64(pub Option<u64>);

/// A JSON boolean; any other value is `None`.
#[derive(Default, Debug)]
pub(crate) struct Bool(pub Option<bool>);

/// A JSON array of `T`s; any other value is empty. Elements that are not
/// objects read as `T::default()`, all fields absent (as in a tree walk).
#[derive(Debug)]
pub(crate) struct List<T>(pub Vec<T>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(Vec::new())
    }
}

/// A field that tells whether its key was there at all (even as `null`).
#[derive(Default, Debug)]
pub(crate) struct Seen<T>(pub bool, pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Seen<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(|t| Seen(true, t))
    }
}

/// An array of `T`s or one object as a `T`; `None` for any other value.
/// Array elements that are not objects read as `T::default()`, so that
/// they are counted (and skipped) like any other unusable record.
#[derive(Debug)]
pub(crate) struct OneOrMany<T>(pub Option<Vec<T>>);

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany(None)
    }
}

/// A JSON object read as `T`; any other value is `None`.
#[derive(Debug)]
pub(crate) struct Obj<T>(pub Option<T>);

impl<T> Default for Obj<T> {
    fn default() -> Self {
        Obj(None)
    }
}

/// The visitor methods for values of a wrong type: each consumes the
/// value and gives `$none`.
macro_rules! absent {
    ($none:expr; $($m:ident),*) => { $( absent!(@one $none; $m); )* };
    (@one $none:expr; visit_bool) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> { Ok($none) }
    };
    (@one $none:expr; visit_i64) => {
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> { Ok($none) }
    };
    (@one $none:expr; visit_u64) => {
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> { Ok($none) }
    };
    (@one $none:expr; visit_f64) => {
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> { Ok($none) }
    };
    (@one $none:expr; visit_str) => {
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> { Ok($none) }
    };
    (@one $none:expr; visit_unit) => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> { Ok($none) }
    };
    (@one $none:expr; visit_none) => {
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> { Ok($none) }
    };
    (@one $none:expr; visit_seq) => {
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($none)
        }
    };
    (@one $none:expr; visit_map) => {
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok($none)
        }
    };
}

/// `expecting` and `visit_some` (a present value is read as itself).
macro_rules! any_value {
    () => {
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    };
}

/// A visitor for a `Cow<str>` that keeps strings, and numbers too when
/// `$numbers`.
macro_rules! text_visitor {
    ($name:ident, $numbers:expr) => {
        struct $name<'a>(PhantomData<&'a ()>);

        impl<'de: 'a, 'a> Visitor<'de> for $name<'a> {
            type Value = Option<Cow<'a, str>>;
            any_value!();
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Some(Cow::Borrowed(v)))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Some(Cow::Owned(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Some(Cow::Owned(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok($numbers.then(|| Cow::Owned(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok($numbers.then(|| Cow::Owned(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                // As serde_json writes a float: with a fraction or exponent.
                Ok($numbers
                    .then(|| serde_json::Number::from_f64(v).map(|n| Cow::Owned(n.to_string())))
                    .flatten())
            }
            absent!(None; visit_bool, visit_unit, visit_none, visit_seq, visit_map);
        }
    };
}

text_visitor!(StrVisitor, false);
text_visitor!(NumTextVisitor, true);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrVisitor(PhantomData)).map(Str)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for NumText<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumTextVisitor(PhantomData)).map(NumText)
    }
}

struct U64Visitor;

impl<'de> Visitor<'de> for U64Visitor {
    type Value = Option<u64>;
    any_value!();
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    absent!(None; visit_bool, visit_i64, visit_f64, visit_str, visit_unit, visit_none, visit_seq, visit_map);
}

impl<'de> Deserialize<'de> for U64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(U64Visitor).map(U64)
    }
}

struct BoolVisitor;

impl<'de> Visitor<'de> for BoolVisitor {
    type Value = Option<bool>;
    any_value!();
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    absent!(None; visit_u64, visit_i64, visit_f64, visit_str, visit_unit, visit_none, visit_seq, visit_map);
}

impl<'de> Deserialize<'de> for Bool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(BoolVisitor).map(Bool)
    }
}

struct ObjVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjVisitor<T> {
    type Value = Option<T>;
    any_value!();
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
    }
    absent!(None; visit_bool, visit_u64, visit_i64, visit_f64, visit_str, visit_unit, visit_none, visit_seq);
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ObjVisitor(PhantomData)).map(Obj)
    }
}

struct ListVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de> + Default> Visitor<'de> for ListVisitor<T> {
    type Value = Vec<T>;
    any_value!();
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Obj(item)) = seq.next_element::<Obj<T>>()? {
            out.push(item.unwrap_or_default());
        }
        Ok(out)
    }
    absent!(Vec::new(); visit_bool, visit_u64, visit_i64, visit_f64, visit_str, visit_unit, visit_none, visit_map);
}

impl<'de, T: Deserialize<'de> + Default> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListVisitor(PhantomData)).map(List)
    }
}

struct OneOrManyVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de> + Default> Visitor<'de> for OneOrManyVisitor<T> {
    type Value = Option<Vec<T>>;
    any_value!();
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Obj(item)) = seq.next_element::<Obj<T>>()? {
            out.push(item.unwrap_or_default());
        }
        Ok(Some(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|t| Some(vec![t]))
    }
    absent!(None; visit_bool, visit_u64, visit_i64, visit_f64, visit_str, visit_unit, visit_none);
}

impl<'de, T: Deserialize<'de> + Default> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(OneOrManyVisitor(PhantomData)).map(OneOrMany)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Rec<'a> {
        #[serde(borrow)]
        s: Str<'a>,
        #[serde(borrow)]
        t: NumText<'a>,
        n: U64,
        b: Bool,
        #[serde(borrow)]
        o: Obj<Inner<'a>>,
        #[serde(borrow)]
        l: List<Inner<'a>>,
    }

    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Inner<'a> {
        #[serde(borrow)]
        k: Str<'a>,
    }

    #[test]
    fn wrong_types_read_as_absent() {
        let r: Rec<'_> = serde_json::from_str(
            r#"{"s":5,"t":true,"n":"7","b":1,"o":[1],"l":{"k":"x"},"extra":{"deep":[1,{"a":null}]}}"#,
        )
        .unwrap();
        assert!(r.s.get().is_none() && r.t.0.is_none() && r.n.0.is_none() && r.b.0.is_none());
        assert!(r.o.0.is_none() && r.l.0.is_empty());
        let r: Rec<'_> =
            serde_json::from_str(r#"{"s":null,"t":null,"n":null,"b":null,"o":null,"l":null}"#)
                .unwrap();
        assert!(r.s.get().is_none() && r.t.0.is_none() && r.o.0.is_none() && r.l.0.is_empty());
    }

    #[test]
    fn right_types_are_read_and_strings_borrowed() {
        let json = r#"{"s":"plain","t":1700000000,"n":7,"b":true,"o":{"k":"v"},"l":[{"k":"a\"b"},"skip",{"k":"c"}]}"#;
        let r: Rec<'_> = serde_json::from_str(json).unwrap();
        assert!(matches!(r.s.0, Some(Cow::Borrowed("plain"))));
        assert_eq!(r.t.0.as_deref(), Some("1700000000"));
        assert_eq!((r.n.0, r.b.0), (Some(7), Some(true)));
        assert_eq!(r.o.0.unwrap().k.get(), Some("v"));
        let ks: Vec<_> = r.l.0.iter().map(|i| i.k.get()).collect();
        assert_eq!(ks, [Some("a\"b"), None, Some("c")]);
        let r: Rec<'_> = serde_json::from_str(r#"{"t":"12.5","s":""}"#).unwrap();
        assert_eq!(r.t.0.as_deref(), Some("12.5"));
        assert_eq!(r.s.get(), None);
        let r: Rec<'_> = serde_json::from_str(r#"{"t":1.5e9}"#).unwrap();
        assert_eq!(r.t.0.as_deref(), Some("1500000000.0"));
    }
}
