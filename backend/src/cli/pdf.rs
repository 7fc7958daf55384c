//! `tachiai pdf sign|renew|verify`: the sealing engine for operators, with the server's own
//! defaults (the development PKI in `<data_dir>/pki` and its built-in TSA when no key or TSA is
//! given).
//!
//! Exit status: 0 done, 1 verification or signing failed, 2 usage error, 3 input rejected (one
//! sentence on stderr names the reason). A file is written only when it is complete: to a
//! temporary name beside the target, then renamed.
//!
//! `pdf sign` seals its files in parallel on all cores, each in memory that does not grow with
//! its size (a kernel copy of the input, memory-mapped, the updates appended: see
//! [`seal::files`]), and makes the batch durable with one `syncfs` before the renames. A file
//! that fails is reported (one line on stderr) and leaves nothing behind; the others are
//! written; the exit status is the worst one.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use clap::{Args, Subcommand};
use pades::{
    HttpRevocationFetcher, HttpTimeStamper, LocalKeySigner, PadesError, PadesLevel, PdfSigner,
    RevocationFetcher, SignatureMetadata, Signer, TimeStamper, ValidationContext,
};
use shared::dto::VerificationView;

use crate::clock::{self, Millis};
use crate::config::Config;
use crate::seal::files::Pending;
use crate::seal::{self, SealKit, TsaSource};

const DONE: i32 = 0;
const FAILED: i32 = 1;
const USAGE: i32 = 2;
const REJECTED: i32 = 3;

/// `tachiai pdf …`
#[derive(Debug, Subcommand)]
pub enum PdfCommand {
    /// Seal PDF files (PAdES, incremental update; the input stays an exact prefix).
    Sign(Box<SignArgs>),
    /// Add the newest timestamp's validation data and a new document timestamp (B-LTA renewal).
    Renew(RenewArgs),
    /// Verify every signature and document timestamp with the service's own verifier.
    Verify(VerifyArgs),
}

/// `tachiai pdf sign`
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The PDF file(s) to seal.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// The sealed file (one input only).
    #[arg(short = 'o', long, conflicts_with = "out_dir")]
    output: Option<PathBuf>,
    /// Write each sealed file under its own name into this directory (many inputs).
    #[arg(long)]
    out_dir: Option<PathBuf>,
    #[command(flatten)]
    key: KeyArgs,
    /// RFC 3161 TSA URL, tried in order (repeatable); default: the built-in TSA.
    #[arg(long = "tsa-url")]
    tsa_urls: Vec<String>,
    /// PAdES baseline level.
    #[arg(long, default_value = "B-T", value_parser = parse_level)]
    level: PadesLevel,
    /// A visible stamp: PAGE,X,Y,W,H in points from the page's lower-left corner.
    #[arg(long, value_parser = parse_visible)]
    visible: Option<Placement>,
    /// The contract number printed on the visible stamp.
    #[arg(long, default_value = "-")]
    contract_number: String,
    /// The verification URL printed (and QR-encoded) on the visible stamp.
    #[arg(long)]
    verify_url: Option<String>,
    /// `/Reason` of the signature.
    #[arg(long)]
    reason: Option<String>,
    /// `/Name`: the signer's name shown by viewers.
    #[arg(long, default_value = "立会 電子契約サービス")]
    name: String,
    /// Do not wait for the disk: the outputs are complete when renamed into place, but a crash
    /// soon after may lose them (for copies that can be made again).
    #[arg(long)]
    no_sync: bool,
}

/// The key to seal with; none given: the development seal.
#[derive(Debug, Args)]
struct KeyArgs {
    /// A PKCS#12 file with the key and its certificate chain.
    #[arg(long, conflicts_with_all = ["key", "cert"])]
    p12: Option<PathBuf>,
    /// The environment variable holding the PKCS#12 password (default: empty password).
    #[arg(long, requires = "p12")]
    p12_password_env: Option<String>,
    /// A PEM private key (PKCS#8, SEC1 or PKCS#1).
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// The PEM certificate of that key.
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// PEM CA certificates of the chain, issuer first (repeatable).
    #[arg(long, requires = "key")]
    chain: Vec<PathBuf>,
}

/// `tachiai pdf renew`
#[derive(Debug, Args)]
pub struct RenewArgs {
    /// The B-LT / B-LTA file.
    input: PathBuf,
    /// The renewed file.
    #[arg(short = 'o', long)]
    output: PathBuf,
    /// RFC 3161 TSA URL, tried in order (repeatable); default: the built-in TSA.
    #[arg(long = "tsa-url")]
    tsa_urls: Vec<String>,
}

/// `tachiai pdf verify`
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The PDF file.
    input: PathBuf,
    /// A PEM trust root (repeatable); default: the development root in `<data_dir>/pki`.
    #[arg(long = "trust")]
    trust: Vec<PathBuf>,
    /// Print JSON (the API's `VerificationView`) instead of text.
    #[arg(long)]
    json: bool,
    /// For certificates without revocation data in the file, ask their OCSP responders and CRL
    /// distribution points over the network (off by default: the verdict then rests on the
    /// file alone).
    #[arg(long)]
    online: bool,
}

/// Where a visible stamp goes.
#[derive(Debug, Clone, Copy)]
struct Placement {
    page: u32,
    rect: [f64; 4],
}

fn parse_level(s: &str) -> Result<PadesLevel, String> {
    match s.to_ascii_uppercase().as_str() {
        "B-B" => Ok(PadesLevel::BB),
        "B-T" => Ok(PadesLevel::BT),
        "B-LT" => Ok(PadesLevel::BLT),
        "B-LTA" => Ok(PadesLevel::BLTA),
        _ => Err("expected B-B, B-T, B-LT or B-LTA".into()),
    }
}

fn parse_visible(s: &str) -> Result<Placement, String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let bad = || "expected PAGE,X,Y,W,H, e.g. 1,330,40,230,80".to_string();
    let [page, nums @ ..] = parts.as_slice() else {
        return Err(bad());
    };
    let page: u32 = page.parse().ok().filter(|p| *p >= 1).ok_or_else(bad)?;
    let nums: Vec<f64> = nums
        .iter()
        .map(|n| n.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0))
        .collect::<Option<_>>()
        .ok_or_else(bad)?;
    let rect: [f64; 4] = nums.try_into().map_err(|_| bad())?;
    if rect[2] <= 0.0 || rect[3] <= 0.0 {
        return Err("the stamp's width and height must be positive".into());
    }
    Ok(Placement { page, rect })
}

/// Runs a `pdf` command; returns the exit status.
pub fn run(config: &Config, cmd: PdfCommand) -> i32 {
    let result = match cmd {
        PdfCommand::Sign(args) => sign(config, *args),
        PdfCommand::Renew(args) => renew(config, args),
        PdfCommand::Verify(args) => verify(config, args),
    };
    result.unwrap_or_else(|failure| {
        eprintln!("tachiai: {}", failure.message);
        failure.code
    })
}

/// Why a command stopped, with its exit status.
pub(super) struct Failure {
    code: i32,
    pub(super) message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: USAGE,
            message: message.into(),
        }
    }

    fn from_file(input: &Path, output: &Path, e: seal::files::FileSealError) -> Failure {
        match e {
            seal::files::FileSealError::Input(e) => {
                Failure::usage(format!("cannot read {}: {e}", input.display()))
            }
            seal::files::FileSealError::Output(e) => Failure {
                code: FAILED,
                message: format!("cannot write {}: {e}", output.display()),
            },
            seal::files::FileSealError::Pades(e) => Failure::from_pades(input, &e),
        }
    }

    fn from_pades(context: &Path, e: &PadesError) -> Failure {
        Failure {
            code: if e.is_input_rejection() {
                REJECTED
            } else {
                FAILED
            },
            message: format!(
                "{}: {} [{}] / {}",
                context.display(),
                seal::message_ja(e),
                e.code(),
                e
            ),
        }
    }
}

fn read_input(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))
}

/// Writes `bytes` to `target` via a temporary file in the same directory and a rename, so that
/// `target` never holds a partial file.
pub(super) fn write_atomically(target: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .ok_or_else(|| Failure::usage(format!("{} is not a file name", target.display())))?;
    let tmp = dir.join(format!(
        ".{}.{}.part",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, target));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Failure {
            code: FAILED,
            message: format!("cannot write {}: {e}", target.display()),
        }
    })
}

/// The configured seal, or the development seal (created on first use).
fn development_kit(config: &Config) -> Result<SealKit, Failure> {
    SealKit::from_config(config).map_err(|e| match e.downcast_ref::<seal::SealKeyError>() {
        Some(refused) => Failure {
            code: refused.exit_code(),
            message: format!("{} / {refused}", refused.message_ja()),
        },
        None => Failure {
            code: FAILED,
            message: format!("{e:#}"),
        },
    })
}

fn load_signer(key: &KeyArgs) -> Result<Option<LocalKeySigner>, Failure> {
    let key_failure = |path: &Path, e: PadesError| Failure {
        code: USAGE,
        message: format!("{}: {} / {e}", path.display(), seal::message_ja(&e)),
    };
    if let Some(p12) = &key.p12 {
        let password = match &key.p12_password_env {
            Some(var) => std::env::var(var).map_err(|_| {
                Failure::usage(format!("the environment variable {var} is not set"))
            })?,
            None => String::new(),
        };
        let der = read_input(p12)?;
        return LocalKeySigner::from_pkcs12(&der, &password)
            .map(Some)
            .map_err(|e| key_failure(p12, e));
    }
    if let (Some(k), Some(c)) = (&key.key, &key.cert) {
        let chain: Vec<&Path> = key.chain.iter().map(PathBuf::as_path).collect();
        return LocalKeySigner::from_pem_files(k, c, &chain)
            .map(Some)
            .map_err(|e| key_failure(k, e));
    }
    Ok(None)
}

/// The TSA: the given URLs, or the development PKI's built-in one.
enum ChosenTsa<'k> {
    Kit(&'k TsaSource),
    Http(HttpTimeStamper),
}

impl TimeStamper for ChosenTsa<'_> {
    fn timestamp(&self, digest: &[u8; 32]) -> Result<Vec<u8>, PadesError> {
        match self {
            ChosenTsa::Kit(t) => t.timestamp(digest),
            ChosenTsa::Http(t) => t.timestamp(digest),
        }
    }
}

fn timestamper<'k>(kit: &'k SealKit, urls: &[String]) -> ChosenTsa<'k> {
    if urls.is_empty() {
        ChosenTsa::Kit(&kit.tsa)
    } else {
        ChosenTsa::Http(HttpTimeStamper::new(urls.iter().cloned()))
    }
}

fn sign(config: &Config, args: SignArgs) -> Result<i32, Failure> {
    let targets: Vec<(PathBuf, PathBuf)> = match (&args.output, &args.out_dir) {
        (Some(out), None) if args.inputs.len() == 1 => vec![(args.inputs[0].clone(), out.clone())],
        (Some(_), None) => {
            return Err(Failure::usage(
                "-o names one output file; use --out-dir DIR for several inputs",
            ));
        }
        (None, Some(dir)) => {
            if !dir.is_dir() {
                return Err(Failure::usage(format!(
                    "--out-dir {} is not a directory",
                    dir.display()
                )));
            }
            args.inputs
                .iter()
                .map(|input| {
                    let name = input.file_name().ok_or_else(|| {
                        Failure::usage(format!("{} is not a file name", input.display()))
                    })?;
                    Ok((input.clone(), dir.join(name)))
                })
                .collect::<Result<_, Failure>>()?
        }
        _ => return Err(Failure::usage("give -o OUTPUT.pdf or --out-dir DIR")),
    };
    let own_key = load_signer(&args.key)?;
    let kit = development_kit(config)?;
    let signer: &(dyn Signer + Sync) = match &own_key {
        Some(k) => k,
        None => kit.signer.as_ref(),
    };
    let tsa = timestamper(&kit, &args.tsa_urls);
    let http_fetcher = HttpRevocationFetcher::default();
    let fetcher: &(dyn RevocationFetcher + Sync) = if own_key.is_some() {
        &http_fetcher
    } else {
        &kit.revocation
    };
    let font = match args.visible {
        Some(_) => Some(seal::japanese_font().map_err(|e| Failure {
            code: FAILED,
            message: format!("the embedded font is unusable: {e}"),
        })?),
        None => None,
    };
    let verify_url = args
        .verify_url
        .clone()
        .unwrap_or_else(|| format!("{}/v/", config.public_url.trim_end_matches('/')));

    let started = Instant::now();
    let seal_one = |input: &Path, output: &Path| -> Result<Pending, Failure> {
        let now = Millis::now().unix_seconds();
        let meta = SignatureMetadata {
            reason: args.reason.clone(),
            name: Some(args.name.clone()),
            signing_time_unix: Some(now),
            stamp: match (args.visible, &font) {
                (Some(p), Some(font)) => Some(seal::standard_stamp(
                    font.clone(),
                    p.page,
                    p.rect,
                    &args.name,
                    &args.contract_number,
                    &clock::jst_text(now),
                    &verify_url,
                )),
                _ => None,
            },
            ..SignatureMetadata::default()
        };
        let signer = PdfSigner::new(signer, &meta)
            .level(args.level)
            .timestamper(&tsa)
            .revocation_fetcher(fetcher);
        seal::files::seal_to(input, output, |file| signer.sign_file(file))
            .map(|(pending, _)| pending)
            .map_err(|e| Failure::from_file(input, output, e))
    };
    let outcomes = in_parallel(&targets, |(input, output)| seal_one(input, output));
    let (mut pending, mut worst) = (Vec::new(), DONE);
    for ((input, output), outcome) in targets.iter().zip(outcomes) {
        match outcome {
            Ok(p) => {
                pending.push(p);
                if targets.len() > 1 {
                    println!("{} → {}", input.display(), output.display());
                }
            }
            Err(f) if targets.len() > 1 => {
                eprintln!("tachiai: {}", f.message);
                worst = worst.max(f.code);
            }
            Err(f) => return Err(f),
        }
    }
    let signed = pending.len();
    let commit = if args.no_sync {
        seal::files::commit_unsynced
    } else {
        seal::files::commit
    };
    commit(pending).map_err(|e| Failure {
        code: FAILED,
        message: format!("cannot write the sealed files: {e}"),
    })?;
    if targets.len() > 1 {
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{signed} of {} files sealed in {secs:.2} s ({:.1} files/s)",
            targets.len(),
            signed as f64 / secs.max(1e-9)
        );
    }
    Ok(worst)
}

/// Runs `work` on every item, on as many threads as there are cores; the results in order.
fn in_parallel<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = work(item);
                    *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                }
            });
        }
    });
    results
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("every item was worked on")
        })
        .collect()
}

fn renew(config: &Config, args: RenewArgs) -> Result<i32, Failure> {
    let kit = development_kit(config)?;
    let tsa = timestamper(&kit, &args.tsa_urls);
    let now = Millis::now().unix_seconds();
    let (pending, ()) = seal::files::seal_to(&args.input, &args.output, |file| {
        pades::renew_file_at(file, &tsa, &kit.revocation, now)
    })
    .map_err(|e| Failure::from_file(&args.input, &args.output, e))?;
    seal::files::commit(vec![pending]).map_err(|e| Failure {
        code: FAILED,
        message: format!("cannot write {}: {e}", args.output.display()),
    })?;
    Ok(DONE)
}

fn verify(config: &Config, args: VerifyArgs) -> Result<i32, Failure> {
    let mut trust = ValidationContext::default();
    let roots: Vec<PathBuf> = if args.trust.is_empty() {
        let dev_root = seal::dev_pki_dir(config).join("root-ca.pem");
        if dev_root.is_file() {
            vec![dev_root]
        } else {
            eprintln!(
                "tachiai: note: no --trust given and no development PKI in {}; no signature can be trusted",
                seal::dev_pki_dir(config).display()
            );
            Vec::new()
        }
    } else {
        args.trust.clone()
    };
    for root in &roots {
        let pem = std::fs::read_to_string(root)
            .map_err(|e| Failure::usage(format!("cannot read {}: {e}", root.display())))?;
        trust
            .add_pem(&pem)
            .map_err(|e| Failure::usage(format!("{}: {e}", root.display())))?;
    }
    let view = if args.online {
        let pdf = read_input(&args.input)?;
        seal::verify_online(&pdf, &trust, &pades::HttpRevocationFetcher::default())
    } else {
        let mapped = pades::MappedPdf::open(&args.input)
            .map_err(|e| Failure::usage(format!("cannot read {}: {e}", args.input.display())))?;
        seal::verify_mapped(&mapped, &trust)
    }
    .map_err(|e| Failure::from_pades(&args.input, &e))?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&view).expect("the view serialises")
        );
    } else {
        print!("{}", describe(&args.input, &view));
    }
    Ok(if view.all_valid { DONE } else { FAILED })
}

/// The human report: Japanese first, English after the slash.
fn describe(path: &Path, view: &VerificationView) -> String {
    let mut out = format!(
        "{}  SHA-256 {}\n署名・タイムスタンプ {} 件 / {} signature(s) and timestamp(s)\n",
        path.display(),
        view.sha256,
        view.signatures.len(),
        view.signatures.len()
    );
    for (i, s) in view.signatures.iter().enumerate() {
        let kind = if s.kind == "document_timestamp" {
            "文書タイムスタンプ / document timestamp"
        } else {
            "電子署名 / signature"
        };
        let verdict = if s.valid {
            "有効 / VALID"
        } else {
            "無効 / INVALID"
        };
        out.push_str(&format!(
            "[{}] {}  {} ({})  {}\n",
            i + 1,
            s.field_name,
            kind,
            s.sub_filter,
            verdict
        ));
        if let Some(signer) = &s.signer {
            out.push_str(&format!("    署名者 / signer: {signer}\n"));
        }
        if let Some(t) = &s.timestamp {
            out.push_str(&format!("    時刻 / time: {} (TSA: {})\n", t.time, t.tsa));
        }
        let coverage = match s.coverage.as_str() {
            "entire_file" => "ファイル全体 / entire file",
            "entire_revision" => {
                "署名時の版全体（後に追記あり） / entire revision, later updates follow"
            }
            _ => "一部のみ / partial",
        };
        out.push_str(&format!(
            "    範囲 / coverage: {coverage}\n    改ざんなし / intact: {}  署名検証 / signature: {}  信頼 / trusted: {}\n",
            yes_no(s.intact),
            yes_no(s.signature_valid),
            yes_no(s.trusted)
        ));
        long_term_lines(&mut out, s);
        for m in &s.modifications {
            out.push_str(&format!("    署名後の変更 / modified later: {m}\n"));
        }
        for p in &s.problems {
            out.push_str(&format!("    問題 / problem: {p}\n"));
        }
    }
    out.push_str(if view.all_valid {
        "結果 / result: すべて有効 / all valid\n"
    } else if view.signatures.is_empty() {
        "結果 / result: 署名がありません / no signature\n"
    } else {
        "結果 / result: 無効な署名があります / a signature is not valid\n"
    });
    out
}

/// PAdES level, LTV verdict and each certificate's revocation status.
fn long_term_lines(out: &mut String, s: &shared::dto::SignatureCheckView) {
    if let Some(level) = &s.pades_level {
        out.push_str(&format!("    PAdES レベル / level: {level}\n"));
    }
    let ltv = if s.ltv.complete {
        "長期検証可能 / complete (validation data in the file, covered by a later document timestamp)"
    } else if s.ltv.data_in_file {
        "検証情報あり・未保護 / validation data in the file, not yet covered by a later document timestamp"
    } else {
        "検証情報不足 / validation data missing"
    };
    out.push_str(&format!("    長期検証 / LTV: {ltv}\n"));
    for m in &s.ltv.missing {
        let what = match m.kind.as_str() {
            "timestamp" => "時刻の証明なし / no verified time",
            "revocation" => "失効情報なし / no revocation data",
            "not_covered" => {
                "文書タイムスタンプで未保護 / added after the newest document timestamp"
            }
            _ => "後続の文書タイムスタンプなし / no later document timestamp",
        };
        match &m.subject {
            Some(subject) => out.push_str(&format!("      不足 / missing: {what}: {subject}\n")),
            None => out.push_str(&format!("      不足 / missing: {what}\n")),
        }
    }
    for r in &s.revocation {
        let status = match r.status.as_str() {
            "good" => "失効なし / good",
            "revoked" => "署名時点で失効 / REVOKED before the signing time",
            "revoked_later" => "署名後に失効 / revoked after the signing time",
            "unknown" => "不明（応答者が知らない） / unknown to the responder",
            _ => "失効情報なし（未確認） / not checked: no revocation data",
        };
        let via = match (r.source.as_deref(), r.origin.as_deref()) {
            (Some(src), Some(origin)) => {
                let src = if src == "ocsp" { "OCSP" } else { "CRL" };
                let origin = match origin {
                    "dss" => "ファイル内 DSS / in the file's DSS",
                    "signature" => "署名内 / inside the signature",
                    _ => "オンライン取得 / fetched online",
                };
                format!(" ({src}, {origin})")
            }
            _ => String::new(),
        };
        let chain = if r.timestamp_chain { " [TSA]" } else { "" };
        out.push_str(&format!(
            "    失効確認 / revocation{chain}: {}: {status}{via}\n",
            r.subject
        ));
        for why in &r.refused {
            out.push_str(&format!("      不採用 / refused: {why}\n"));
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "はい/yes" } else { "いいえ/no" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placements_parse_or_explain() {
        let p = parse_visible("2, 330,40,230,80").unwrap();
        assert_eq!(p.page, 2);
        assert_eq!(p.rect, [330.0, 40.0, 230.0, 80.0]);
        assert!(parse_visible("0,1,1,1,1").is_err());
        assert!(parse_visible("1,1,1,1").is_err());
        assert!(parse_visible("1,1,1,0,5").is_err());
        assert!(parse_visible("1,a,1,1,1").is_err());
    }

    #[test]
    fn levels_parse() {
        assert_eq!(parse_level("b-lta"), Ok(PadesLevel::BLTA));
        assert!(parse_level("B-X").is_err());
    }
}
