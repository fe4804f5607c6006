//! The reference side: tests/guest/build/isa-harness under qemu-aarch64-static.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use super::model::{Case, Outcome, BATCH, CASE_BYTES, RESULT_BYTES};

pub fn harness() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/guest/build/isa-harness")
}

/// A running harness.
pub struct Reference {
    child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
    /// Address of the epilogue the slots branch to.
    pub epilogue: u64,
    /// The template page image.
    pub code: Vec<u8>,
}

impl Reference {
    pub fn start() -> Reference {
        let h = harness();
        assert!(h.exists(), "{} missing: run `make isa-check`", h.display());
        let qemu = std::env::var("ISA_QEMU").unwrap_or_else(|_| "qemu-aarch64-static".into());
        let cpu = std::env::var("ISA_QEMU_CPU").unwrap_or_else(|_| "max".into());
        let mut child = Command::new(qemu)
            .args(["-cpu", &cpu])
            .arg(&h)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn qemu-aarch64-static");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut hdr = [0u8; 16];
        stdout.read_exact(&mut hdr).expect("harness header");
        let epilogue = u64::from_le_bytes(hdr[..8].try_into().unwrap());
        let mut code = vec![0u8; 4096];
        stdout.read_exact(&mut code).expect("harness code page");
        Reference { child, stdin, stdout, epilogue, code }
    }

    /// Send a batch (at most [`BATCH`] cases).
    pub fn send(&mut self, cases: &[Case]) {
        assert!(cases.len() <= BATCH);
        let mut b = Vec::with_capacity(4 + cases.len() * CASE_BYTES);
        b.extend_from_slice(&(cases.len() as u32).to_le_bytes());
        for c in cases {
            c.write_to(&mut b);
        }
        let _ = self.stdin.write_all(&b);
        let _ = self.stdin.flush();
    }

    /// Receive the results of the batch sent last (`None`: the harness died).
    pub fn recv(&mut self, n: usize) -> Option<Vec<Outcome>> {
        let mut b = vec![0u8; n * RESULT_BYTES];
        self.stdout.read_exact(&mut b).ok()?;
        Some(b.chunks_exact(RESULT_BYTES).map(Outcome::from_bytes).collect())
    }

    /// Exit status of a dead harness.
    pub fn status(&mut self) -> String {
        format!("{:?}", self.child.wait())
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Disassemble words with objdump (for reports): one line per word.
pub fn disassemble(words: &[u32]) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("elfuse-isa-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let f = dir.join(format!("w{}.bin", SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed)));
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    if std::fs::write(&f, bytes).is_err() {
        return vec![String::new(); words.len()];
    }
    let out = Command::new("aarch64-linux-gnu-objdump")
        .args(["-D", "-b", "binary", "-m", "aarch64", "-M", "no-aliases"])
        .arg(&f)
        .output();
    let _ = std::fs::remove_file(&f);
    let text = out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
    let mut res: Vec<String> = text
        .lines()
        .filter_map(|l| {
            let mut parts = l.splitn(3, '\t');
            let addr = parts.next()?;
            if !addr.trim_end().ends_with(':') || !addr.trim_start().starts_with(|c: char| c.is_ascii_hexdigit()) {
                return None;
            }
            parts.next()?;
            Some(parts.next().unwrap_or("").replace('\t', " "))
        })
        .collect();
    res.resize(words.len(), String::new());
    res
}
