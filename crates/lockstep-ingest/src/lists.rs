/// Splits a list cell as the IO archive writes it: `['a', 'b']`, `[a, b]`,
/// `a, b` or empty. Quotes around items are removed; empty items dropped.
pub(crate) fn split_list(cell: &str) -> impl Iterator<Item = &str> {
    let t = cell.trim();
    let t = t.strip_prefix('[').unwrap_or(t);
    let t = t.strip_suffix(']').unwrap_or(t);
    t.split(',').filter_map(|item| {
        let i = item.trim();
        let i = i
            .strip_prefix('\'')
            .and_then(|x| x.strip_suffix('\''))
            .or_else(|| i.strip_prefix('"').and_then(|x| x.strip_suffix('"')))
            .unwrap_or(i)
            .trim();
        (!i.is_empty()).then_some(i)
    })
}

#[cfg(test)]
mod tests {
    use super::split_list;

    #[test]
    fn list_shapes() {
        let v: Vec<_> = split_list("['a', 'b']").collect();
        assert_eq!(v, ["a", "b"]);
        let v: Vec<_> = split_list("[a, b]").collect();
        assert_eq!(v, ["a", "b"]);
        assert_eq!(split_list("").count(), 0);
        assert_eq!(split_list("[]").count(), 0);
        let v: Vec<_> = split_list("[\"x\"]").collect();
        assert_eq!(v, ["x"]);
    }
}
