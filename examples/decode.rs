//! Decodes image files as an inspection does and says what came out: for checking a format by
//! hand, and for timing one decode.
//!
//! In: image files. Out: one line per file on stdout (format, stored size, upright preview
//! size, truncated or corrupt, milliseconds, or the decoder's error), and with `--save DIR`
//! each upright preview as `DIR/<file name>.png`.
//! Usage: `cargo run --release --example decode -- [--size PX] [--save DIR] FILE...`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use lightbox::inspect::{decode, metadata};

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut size, mut save, mut files) = (1000u32, None, Vec::new());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--size" => size = args.next().and_then(|s| s.parse().ok()).unwrap_or(size),
            "--save" => save = args.next().map(std::path::PathBuf::from),
            _ => files.push(std::path::PathBuf::from(arg)),
        }
    }
    for file in files {
        let bytes = match std::fs::read(&file) {
            Ok(bytes) => bytes,
            Err(e) => {
                println!("{}: {e}", file.display());
                continue;
            }
        };
        let decode::Sniffed::Image(format) = decode::sniff(&bytes) else {
            println!("{}: not an image", file.display());
            continue;
        };
        let orientation = metadata::exif(&bytes).and_then(|e| e.orientation);
        let started = std::time::Instant::now();
        let decoded = lightbox::boundary::guarded(|| {
            decode::decode(&bytes, format, orientation, size, 200_000_000)
        });
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        match decoded {
            Ok(Ok(d)) => {
                let (w, h) = d.pixels.dimensions();
                println!(
                    "{}: {} {}x{} -> {w}x{h}{}{}{} {ms:.1} ms",
                    file.display(),
                    format.name(),
                    d.width,
                    d.height,
                    if d.truncated { " truncated" } else { "" },
                    d.corrupt
                        .map(|c| format!(" corrupt ({c:?})"))
                        .unwrap_or_default(),
                    d.pages.map(|p| format!(" {p} pages")).unwrap_or_default(),
                );
                if let (Some(dir), Some(name)) = (&save, file.file_name()) {
                    let out = dir.join(format!("{}.png", name.to_string_lossy()));
                    if let Err(e) = d.pixels.save(&out) {
                        eprintln!("{}: {e}", out.display());
                    }
                }
            }
            Ok(Err(e)) => println!("{}: {} {e:?}", file.display(), format.name()),
            Err(panic) => println!("{}: {} panicked: {panic}", file.display(), format.name()),
        }
    }
}
