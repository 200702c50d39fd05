//! The over-threshold subgraph for Gephi and other graph tools.

use crate::tables::{cluster_lookup, fmt_f};
use crate::xml::esc;
use crate::Results;
use lockstep_model::time::fmt_iso;
use std::collections::HashMap;
use std::io::{self, Write};

/// The network files of a run folder.
pub mod network {
    /// The network for Gephi.
    pub const GEXF: &str = "network.gexf";
    /// The network for other graph tools.
    pub const GRAPHML: &str = "network.graphml";
}

/// A first and a last time, microseconds since the epoch.
type Span = (i64, i64);

/// When each over-threshold edge acted in concert (its first pair's older
/// action to its last pair's newer one), and each of their accounts (the
/// span of its edges'): the spells of the dynamic GEXF.
fn spells(r: &Results<'_>) -> (Vec<Option<Span>>, HashMap<u32, Span>) {
    let (e, p, t) = (&r.det.edges, &r.det.pairs, &r.ds.actions);
    let widen = |a: Option<Span>, (s, f): Span| match a {
        Some((s0, f0)) => (s0.min(s), f0.max(f)),
        None => (s, f),
    };
    let mut nodes: HashMap<u32, Span> = HashMap::new();
    let edges = (0..e.len())
        .map(|i| {
            if !r.net.over[i] {
                return None;
            }
            let span = e.pair_range(i, p).fold(None, |acc, k| {
                let older = t.time_us[p.older[k] as usize];
                let newer = t.time_us[p.newer[k] as usize];
                Some(widen(acc, (older.min(newer), older.max(newer))))
            })?;
            for a in [e.a[i], e.b[i]] {
                let node = nodes.get(&a).copied();
                nodes.insert(a, widen(node, span));
            }
            Some(span)
        })
        .collect();
    (edges, nodes)
}

/// ` start="..." end="..."` of a spell (nothing without one).
fn spell_attrs(span: Option<Span>) -> String {
    span.map_or(String::new(), |(s, f)| format!(r#" start="{}" end="{}""#, fmt_iso(s), fmt_iso(f)))
}

pub(crate) fn gexf(w: &mut dyn Write, r: &Results<'_>) -> io::Result<()> {
    let (ds, e, net) = (r.ds, &r.det.edges, r.net);
    let cluster = cluster_lookup(r);
    let (edge_spells, node_spells) = spells(r);
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(w, r#"<gexf xmlns="http://gexf.net/1.3" version="1.3">"#)?;
    writeln!(
        w,
        r#"  <meta><creator>lockstep {}</creator><description>accounts that acted in concert (edges over threshold)</description></meta>"#,
        env!("CARGO_PKG_VERSION")
    )?;
    // Dynamic: each account and edge carries the span of its coordinated
    // acts, so that Gephi's timeline plays a campaign's growth.
    writeln!(w, r#"  <graph defaultedgetype="undirected" mode="dynamic" timeformat="dateTime">"#)?;
    writeln!(
        w,
        r#"    <attributes class="node"><attribute id="0" title="cluster" type="integer"/><attribute id="1" title="degree" type="long"/><attribute id="2" title="strength" type="long"/></attributes>"#
    )?;
    writeln!(
        w,
        r#"    <attributes class="edge"><attribute id="0" title="pair_rows" type="long"/><attribute id="1" title="objects" type="long"/><attribute id="2" title="layers" type="string"/><attribute id="3" title="mean_delta_s" type="double"/></attributes>"#
    )?;
    writeln!(w, "    <nodes>")?;
    for (a, s) in net.accounts.iter().filter(|(_, s)| s.cluster.is_some()) {
        writeln!(
            w,
            r#"      <node id="n{a}" label="{}"{}><attvalues><attvalue for="0" value="{}"/><attvalue for="1" value="{}"/><attvalue for="2" value="{}"/></attvalues></node>"#,
            esc(ds.account_name(*a)),
            spell_attrs(node_spells.get(a).copied()),
            cluster[a],
            s.degree,
            s.strength
        )?;
    }
    writeln!(w, "    </nodes>\n    <edges>")?;
    for i in (0..e.len()).filter(|&i| net.over[i]) {
        writeln!(
            w,
            r#"      <edge id="e{i}" source="n{}" target="n{}" weight="{}"{}><attvalues><attvalue for="0" value="{}"/><attvalue for="1" value="{}"/><attvalue for="2" value="{}"/><attvalue for="3" value="{}"/></attvalues></edge>"#,
            e.a[i],
            e.b[i],
            e.weight[i],
            spell_attrs(edge_spells[i]),
            e.pair_rows[i],
            e.objects[i],
            e.layers[i].join(";"),
            fmt_f(e.mean_delta_us[i] / 1e6)
        )?;
    }
    writeln!(w, "    </edges>\n  </graph>\n</gexf>")
}

pub(crate) fn graphml(w: &mut dyn Write, r: &Results<'_>) -> io::Result<()> {
    let (ds, e, net) = (r.ds, &r.det.edges, r.net);
    let cluster = cluster_lookup(r);
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">"#
    )?;
    for (id, for_, name, ty) in [
        ("label", "node", "label", "string"),
        ("cluster", "node", "cluster", "int"),
        ("degree", "node", "degree", "long"),
        ("strength", "node", "strength", "long"),
        ("weight", "edge", "weight", "long"),
        ("pair_rows", "edge", "pair_rows", "long"),
        ("objects", "edge", "objects", "long"),
        ("layers", "edge", "layers", "string"),
        ("mean_delta_s", "edge", "mean_delta_s", "double"),
    ] {
        writeln!(w, r#"  <key id="{id}" for="{for_}" attr.name="{name}" attr.type="{ty}"/>"#)?;
    }
    writeln!(w, r#"  <graph id="lockstep" edgedefault="undirected">"#)?;
    for (a, s) in net.accounts.iter().filter(|(_, s)| s.cluster.is_some()) {
        writeln!(
            w,
            r#"    <node id="n{a}"><data key="label">{}</data><data key="cluster">{}</data><data key="degree">{}</data><data key="strength">{}</data></node>"#,
            esc(ds.account_name(*a)),
            cluster[a],
            s.degree,
            s.strength
        )?;
    }
    for i in (0..e.len()).filter(|&i| net.over[i]) {
        writeln!(
            w,
            r#"    <edge id="e{i}" source="n{}" target="n{}"><data key="weight">{}</data><data key="pair_rows">{}</data><data key="objects">{}</data><data key="layers">{}</data><data key="mean_delta_s">{}</data></edge>"#,
            e.a[i],
            e.b[i],
            e.weight[i],
            e.pair_rows[i],
            e.objects[i],
            e.layers[i].join(";"),
            fmt_f(e.mean_delta_us[i] / 1e6)
        )?;
    }
    writeln!(w, "  </graph>\n</graphml>")
}
