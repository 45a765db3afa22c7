//! Reading QR codes back: from a terminal's half blocks and from PNG with
//! the `rqrr` decoder, and from any image with `zbarimg` (zbar-tools).

use std::path::Path;
use std::process::Command;

use crate::support::pty::strip_escapes;
use crate::support::tools::need;

/// Pixels per terminal cell column when a drawing is made into an image;
/// decoders like a module wider than one pixel.
const UPSCALE: usize = 4;

/// Every QR code drawn in `text` with half blocks, decoded in order. A
/// drawing is a run of lines made only of `█▀▄` and spaces.
pub fn decode_drawings(text: &str) -> Vec<String> {
    let plain = strip_escapes(text);
    let is_art = |l: &str| !l.trim().is_empty() && l.chars().all(|c| "█▀▄ ".contains(c));
    let mut found = Vec::new();
    let mut block: Vec<&str> = Vec::new();
    for line in plain.lines().chain([""]) {
        if is_art(line) {
            block.push(line);
        } else if !block.is_empty() {
            found.push(decode_half_blocks(&block));
            block.clear();
        }
    }
    found
}

/// Decodes one drawing; light (drawn) cells are white, as on a terminal
/// with a dark background.
fn decode_half_blocks(lines: &[&str]) -> String {
    let mut rows: Vec<Vec<bool>> = Vec::new();
    for line in lines {
        let (mut top, mut bottom) = (Vec::new(), Vec::new());
        for c in line.chars() {
            top.push(matches!(c, '█' | '▀'));
            bottom.push(matches!(c, '█' | '▄'));
        }
        rows.push(top);
        rows.push(bottom);
    }
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let light = |x: usize, y: usize| rows[y].get(x).copied().unwrap_or(false);
    decode_gray(width * UPSCALE, rows.len() * UPSCALE, |x, y| {
        if light(x / UPSCALE, y / UPSCALE) {
            255
        } else {
            0
        }
    })
}

/// Decodes a PNG file with `rqrr`.
pub fn decode_png(path: &Path) -> String {
    let file = std::fs::File::open(path).unwrap();
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    let line = info.line_size;
    decode_gray(info.width as usize, info.height as usize, |x, y| {
        buf[y * line + x]
    })
}

fn decode_gray(width: usize, height: usize, pixel: impl Fn(usize, usize) -> u8) -> String {
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(width, height, pixel);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "expected one QR code");
    grids[0].decode().expect("the QR code decodes").1
}

/// Decodes any image file with `zbarimg`; `None` (the test skipped) when
/// zbar-tools is missing.
pub fn zbarimg(path: &Path, test: &str) -> Option<String> {
    if !need("zbarimg", "zbar-tools", test) {
        return None;
    }
    let out = Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "zbarimg cannot read {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8(out.stdout)
            .unwrap()
            .trim_end_matches('\n')
            .to_owned(),
    )
}
