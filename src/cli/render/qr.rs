//! QR codes of invite links: drawn on a terminal with Unicode half
//! blocks, or made into PNG and SVG images. The `qrcode` crate encodes;
//! this module only lays the modules out.

use std::path::Path;

use qrcode::render::svg;
use qrcode::{Color, EcLevel, QrCode};

use crate::cli::UsageError;

/// The margin of light modules the QR standard asks for on every side.
pub const QUIET_ZONE: usize = 4;

/// The least margin drawn on a terminal too small for the full one: most
/// readers still find the code, and a code cut off by the edge scans not
/// at all.
const MIN_QUIET_ZONE: usize = 2;

/// The largest number of terminal columns per module. Bigger codes scan
/// from farther away; beyond this they only fill the screen.
const MAX_SCALE: usize = 2;

/// Pixels per module in PNG and SVG images: a version 4 code comes out
/// at 328 pixels square, crisp on screen and on paper.
const IMAGE_SCALE: u32 = 8;

/// Terminal colours for the code: light grey modules on black. Set
/// explicitly, the code scans whatever the terminal's own colours are.
const COLOR_ON: &str = "\x1b[37;40m";
const COLOR_OFF: &str = "\x1b[0m";

/// A QR code of one link.
pub struct Qr {
    code: QrCode,
}

/// The room a terminal drawing may take, and whether it may colour.
#[derive(Debug, Clone, Copy, Default)]
pub struct Area {
    /// Columns available; `None` when the width is unknown.
    pub columns: Option<u16>,
    /// Lines available; `None` when the height is unknown.
    pub rows: Option<u16>,
    /// Whether to set the colours explicitly.
    pub color: bool,
}

/// A QR code drawn for a terminal.
#[derive(Debug, Clone)]
pub struct Drawing {
    /// The lines, each ending in a newline.
    pub text: String,
    /// Columns the drawing takes.
    pub columns: usize,
    /// Lines the drawing takes.
    pub rows: usize,
    /// Whether it fits the area given; when not, it was drawn as small as
    /// it can be and the terminal will cut or wrap it.
    pub fits: bool,
}

/// The kinds of image file a QR code can be written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// PNG, 8-bit greyscale.
    Png,
    /// SVG, one path.
    Svg,
}

impl ImageFormat {
    /// The format a file name asks for by its extension, `.png` or `.svg`
    /// in any case.
    pub fn from_path(path: &Path) -> Result<ImageFormat, UsageError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("png") => Ok(ImageFormat::Png),
            Some("svg") => Ok(ImageFormat::Svg),
            _ => Err(UsageError(format!(
                "{}: the name must end in .png or .svg",
                path.display()
            ))),
        }
    }
}

impl Qr {
    /// Encodes `link` with medium error correction (15% of the code may
    /// be damaged), in the smallest version that holds it.
    pub fn new(link: &str) -> Result<Qr, UsageError> {
        QrCode::with_error_correction_level(link.as_bytes(), EcLevel::M)
            .map(|code| Qr { code })
            .map_err(|e| {
                UsageError(format!(
                    "QR code: cannot encode a link of {} bytes: {e}",
                    link.len()
                ))
            })
    }

    /// Modules per side, without the quiet zone.
    pub fn modules(&self) -> usize {
        self.code.width()
    }

    /// Whether the module at (`x`, `y`) is dark; outside the code (in the
    /// quiet zone), it is light.
    fn dark(&self, x: isize, y: isize) -> bool {
        let width = self.modules() as isize;
        (0..width).contains(&x)
            && (0..width).contains(&y)
            && self.code[(x as usize, y as usize)] == Color::Dark
    }

    /// Draws the code with half blocks, two module rows per line, as large
    /// as fits `area` (up to two columns per module) with the standard
    /// quiet zone, narrowing the quiet zone before giving up on fitting.
    ///
    /// Light modules are drawn, dark ones left blank, as for a terminal
    /// with a dark background (the usual default); with `area.color` the
    /// colours are set so any terminal shows it right.
    pub fn terminal(&self, area: Area) -> Drawing {
        let size = |quiet: usize, scale: usize| {
            let pixels = (self.modules() + 2 * quiet) * scale;
            (pixels, pixels.div_ceil(2))
        };
        let fits = |(columns, rows): (usize, usize)| {
            area.columns.is_none_or(|c| columns <= usize::from(c))
                && area.rows.is_none_or(|r| rows <= usize::from(r))
        };
        let unknown = area.columns.is_none() && area.rows.is_none();
        let choice = (1..=MAX_SCALE)
            .rev()
            .filter(|&scale| scale == 1 || !unknown)
            .flat_map(|scale| (MIN_QUIET_ZONE..=QUIET_ZONE).rev().map(move |q| (q, scale)))
            .find(|&(quiet, scale)| fits(size(quiet, scale)));
        let (quiet, scale) = choice.unwrap_or((MIN_QUIET_ZONE, 1));
        let (columns, rows) = size(quiet, scale);
        Drawing {
            text: self.half_blocks(quiet, scale, area.color),
            columns,
            rows,
            fits: choice.is_some(),
        }
    }

    fn half_blocks(&self, quiet: usize, scale: usize, color: bool) -> String {
        let pixels = (self.modules() + 2 * quiet) * scale;
        // Pixel (px, py) of the scaled code with its quiet zone; below the
        // last pixel row (an odd count), light like the quiet zone.
        let light = |px: usize, py: usize| {
            py >= pixels || {
                let x = (px / scale) as isize - quiet as isize;
                let y = (py / scale) as isize - quiet as isize;
                !self.dark(x, y)
            }
        };
        let mut text = String::with_capacity(pixels * pixels * 2);
        for py in (0..pixels).step_by(2) {
            if color {
                text.push_str(COLOR_ON);
            }
            for px in 0..pixels {
                text.push(match (light(px, py), light(px, py + 1)) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                });
            }
            if color {
                text.push_str(COLOR_OFF);
            }
            text.push('\n');
        }
        text
    }

    /// The code as an image file's bytes.
    pub fn image(&self, format: ImageFormat) -> Result<Vec<u8>, UsageError> {
        match format {
            ImageFormat::Png => self.png(),
            ImageFormat::Svg => Ok(self.svg().into_bytes()),
        }
    }

    /// A PNG: black modules on white, 8 pixels per module, with the
    /// standard quiet zone.
    pub fn png(&self) -> Result<Vec<u8>, UsageError> {
        let side = (self.modules() + 2 * QUIET_ZONE) as u32 * IMAGE_SCALE;
        let mut pixels = Vec::with_capacity((side * side) as usize);
        for py in 0..side {
            for px in 0..side {
                let x = (px / IMAGE_SCALE) as isize - QUIET_ZONE as isize;
                let y = (py / IMAGE_SCALE) as isize - QUIET_ZONE as isize;
                pixels.push(if self.dark(x, y) { 0 } else { 255 });
            }
        }
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let png_error =
            |e: png::EncodingError| UsageError(format!("QR code: cannot make a PNG: {e}"));
        let mut writer = encoder.write_header().map_err(png_error)?;
        writer.write_image_data(&pixels).map_err(png_error)?;
        writer.finish().map_err(png_error)?;
        Ok(bytes)
    }

    /// An SVG: black modules on a white square, with the standard quiet
    /// zone, 8 units per module.
    pub fn svg(&self) -> String {
        let mut svg = self
            .code
            .render::<svg::Color<'_>>()
            .quiet_zone(true)
            .module_dimensions(IMAGE_SCALE, IMAGE_SCALE)
            .build();
        svg.push('\n');
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str = "xmpp:example.com?register;preauth=ukwQ_kgBSGa5rFmRZCz62XxG";

    /// Reads a half-block drawing back into light (true) and dark pixels,
    /// as a terminal with a dark background shows it.
    fn pixels(text: &str) -> Vec<Vec<bool>> {
        let mut rows = Vec::new();
        for line in text.lines() {
            let line = line.replace(COLOR_ON, "").replace(COLOR_OFF, "");
            let (mut top, mut bottom) = (Vec::new(), Vec::new());
            for c in line.chars() {
                let (t, b) = match c {
                    '█' => (true, true),
                    '▀' => (true, false),
                    '▄' => (false, true),
                    ' ' => (false, false),
                    other => panic!("unexpected {other:?}"),
                };
                top.push(t);
                bottom.push(b);
            }
            rows.push(top);
            rows.push(bottom);
        }
        rows
    }

    fn decode(rows: &[Vec<bool>]) -> String {
        let (w, h) = (rows[0].len(), rows.len());
        let mut img =
            rqrr::PreparedImage::prepare_from_greyscale(
                w,
                h,
                |x, y| {
                    if rows[y][x] {
                        255
                    } else {
                        0
                    }
                },
            );
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1, "one code expected");
        grids[0].decode().unwrap().1
    }

    #[test]
    fn terminal_drawing_scans_back_to_the_link() {
        let qr = Qr::new(LINK).unwrap();
        for color in [false, true] {
            let drawing = qr.terminal(Area {
                columns: Some(80),
                rows: Some(60),
                color,
            });
            assert!(drawing.fits);
            assert_eq!(decode(&pixels(&drawing.text)), LINK);
            assert_eq!(drawing.text.contains('\x1b'), color);
        }
    }

    #[test]
    fn terminal_drawing_fits_the_area() {
        let qr = Qr::new(LINK).unwrap();
        let n = qr.modules();
        // Room for two columns per module and the full quiet zone.
        let big = qr.terminal(Area {
            columns: Some(200),
            rows: Some(100),
            color: false,
        });
        assert_eq!(big.columns, (n + 8) * 2);
        assert_eq!(decode(&pixels(&big.text)), LINK);
        // Exactly one column per module and the full quiet zone.
        let exact = qr.terminal(Area {
            columns: Some((n + 8) as u16),
            rows: Some(((n + 9) / 2) as u16),
            color: false,
        });
        assert!(exact.fits);
        assert_eq!(exact.columns, n + 8);
        // Narrower: the quiet zone shrinks, and the code still scans.
        let narrow = qr.terminal(Area {
            columns: Some((n + 5) as u16),
            rows: None,
            color: false,
        });
        assert!(narrow.fits);
        assert_eq!(narrow.columns, n + 4);
        assert_eq!(decode(&pixels(&narrow.text)), LINK);
        // Too narrow for any: the smallest drawing, said not to fit.
        let tiny = qr.terminal(Area {
            columns: Some(10),
            rows: Some(5),
            color: false,
        });
        assert!(!tiny.fits);
        assert_eq!(tiny.columns, n + 4);
        for drawing in [&big, &exact, &narrow, &tiny] {
            assert!(drawing
                .text
                .lines()
                .all(|l| l.chars().count() == drawing.columns));
            assert_eq!(drawing.text.lines().count(), drawing.rows);
        }
    }

    #[test]
    fn png_scans_back_to_the_link() {
        let qr = Qr::new(LINK).unwrap();
        let bytes = qr.png().unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let (w, h) = (info.width as usize, info.height as usize);
        assert_eq!(w, (qr.modules() + 8) * 8);
        let mut img =
            rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * info.line_size + x]);
        let grids = img.detect_grids();
        assert_eq!(grids[0].decode().unwrap().1, LINK);
    }

    #[test]
    fn svg_has_the_modules() {
        let qr = Qr::new(LINK).unwrap();
        let svg = qr.svg();
        let side = (qr.modules() + 8) * 8;
        assert!(svg.contains(&format!(r#"viewBox="0 0 {side} {side}""#)));
        assert!(svg.contains(r##"fill="#000""##));
    }

    #[test]
    fn formats_by_extension() {
        let format = |p: &str| ImageFormat::from_path(Path::new(p));
        assert_eq!(format("a/b.PNG").unwrap(), ImageFormat::Png);
        assert_eq!(format("x.svg").unwrap(), ImageFormat::Svg);
        assert_eq!(
            format("x.jpg").unwrap_err().0,
            "x.jpg: the name must end in .png or .svg"
        );
        assert!(format("png").is_err());
    }

    #[test]
    fn too_long_is_an_error() {
        let link = "x".repeat(8000);
        let Err(UsageError(message)) = Qr::new(&link) else {
            panic!("a link of 8000 bytes was encoded");
        };
        assert!(
            message.starts_with("QR code: cannot encode a link of 8000 bytes: "),
            "{message}"
        );
    }
}
