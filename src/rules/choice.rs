//! Reading a value typed for a field with a fixed set of values (a ticket's status or priority):
//! the exact value or an unambiguous start of one, else the values that could be meant.

/// The allowed value `typed` names (exactly, or as the start of only one, case-insensitive), or
/// the values to pick from: those starting with it, or every value when none does.
pub fn pick<'a>(typed: &str, allowed: &[&'a str]) -> Result<&'a str, Vec<&'a str>> {
    let t = typed.trim().to_lowercase();
    if let Some(v) = allowed.iter().find(|v| **v == t) {
        return Ok(v);
    }
    let starts: Vec<&str> = allowed.iter().copied().filter(|v| !t.is_empty() && v.starts_with(&t)).collect();
    match starts.as_slice() {
        [one] => Ok(one),
        [] => Err(allowed.to_vec()),
        _ => Err(starts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: [&str; 4] = ["new", "open", "pending", "on_hold"];

    #[test]
    fn exact_prefix_or_the_list_to_pick_from() {
        assert_eq!(pick("Pending", &S), Ok("pending"));
        assert_eq!(pick("pe", &S), Ok("pending"));
        assert_eq!(pick("o", &S), Err(vec!["open", "on_hold"]));
        assert_eq!(pick("pendnig", &S), Err(S.to_vec()));
        assert_eq!(pick("", &S), Err(S.to_vec()));
    }
}
