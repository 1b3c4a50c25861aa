//! The service knows vendors only through the registry: no vendor's id or name appears in its
//! code (comments and tests aside). Files allowed to, and why:
//! - `registry_v2.rs`: the frozen version 2 list, whose record tags were vendor ids;
//! - `paper_connection.rs`: the local sandbox serves that one vendor's API, and its connector
//!   is built for it.

use brokerdesk_connectors::registry;

const ALLOWED: &[&str] = &["registry_v2.rs", "paper_connection.rs", "test_support.rs"];

fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    // Everything from the first test module on is tests.
    let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    code.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| {
            let t = l.trim_start();
            !(t.starts_with("//") || t.starts_with("///") || t.starts_with("//!"))
        })
}

#[test]
fn no_vendor_is_named_in_the_services_code() {
    let mut names: Vec<String> = Vec::new();
    for d in registry::DESCRIPTORS {
        names.push(d.id.to_lowercase());
        names.push(d.name.to_lowercase());
    }
    for i in registry::reached_through_aggregators() {
        names.push(i.id.to_lowercase());
        names.push(i.name.to_lowercase());
    }
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    let mut files = vec![src.clone()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        if !file.ends_with(".rs") || file.ends_with("_tests.rs") || ALLOWED.contains(&file.as_str())
        {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in code_lines(&text) {
            let lower = line.to_lowercase();
            for name in &names {
                // Whole words only: `square` in `squared` is not a vendor.
                let hit = lower.match_indices(name.as_str()).any(|(at, _)| {
                    let before = lower[..at].chars().next_back();
                    let after = lower[at + name.len()..].chars().next();
                    !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                        && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
                });
                if hit {
                    found.push(format!("{file}:{n}: {name}: {}", line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "vendor names in the service's code:\n{}",
        found.join("\n")
    );
}
