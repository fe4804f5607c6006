//! docs/syscalls.md is generated from the syscall table and must match it.
//! `make docs` (UPDATE_DOCS=1) rewrites it.

#[test]
fn syscall_docs_are_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/syscalls.md");
    let want = elfuse::syscall::table::render_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(have == want, "docs/syscalls.md is stale: run `make docs`");
}
