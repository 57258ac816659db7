//! The landmark model's input: a person's region of the frame resampled to the model's square, and its mirror image.

use std::f32::consts::PI;

use image::RgbImage;

/// The ROI side is this much larger than twice the centre-to-scale-point distance.
const ROI_SCALE: f32 = 1.25;

/// A rotated square region of the image, pixels and radians (0 = upright person).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Roi {
    pub cx: f32,
    pub cy: f32,
    pub side: f32,
    pub rotation: f32,
}

impl Roi {
    /// MediaPipe's alignment-points rule: centre at `centre`, side 2·|scale − centre|·1.25, rotated so that the
    /// centre-to-scale-point direction points up.
    pub fn from_alignment(centre: (f32, f32), scale: (f32, f32)) -> Roi {
        let (dx, dy) = (scale.0 - centre.0, scale.1 - centre.1);
        let side = 2.0 * dx.hypot(dy) * ROI_SCALE;
        let mut rotation = PI / 2.0 - (-dy).atan2(dx);
        rotation = (rotation + PI).rem_euclid(2.0 * PI) - PI;
        Roi { cx: centre.0, cy: centre.1, side, rotation }
    }

    /// The image point of normalised ROI coordinates (0..1, 0..1).
    pub fn to_image(&self, u: f32, v: f32) -> (f32, f32) {
        let (s, c) = self.rotation.sin_cos();
        let (du, dv) = ((u - 0.5) * self.side, (v - 0.5) * self.side);
        (self.cx + du * c - dv * s, self.cy + du * s + dv * c)
    }
}

/// Fills `out` (size × size × 3, NHWC) with the ROI resampled bilinearly, each channel mapped by `v * scale + offset`;
/// outside the image reads as black.
pub(crate) fn warp_roi(img: &RgbImage, roi: &Roi, size: usize, scale: f32, offset: f32, out: &mut [f32]) {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let raw = img.as_raw();
    let (s, c) = roi.rotation.sin_cos();
    let step = roi.side / size as f32;
    // Image position of the centre of output pixel (0, 0), and the steps along output x and y.
    let (ux, uy) = (c * step, s * step);
    let (vx, vy) = (-s * step, c * step);
    let half = size as f32 / 2.0 - 0.5;
    let x0 = roi.cx - half * ux - half * vx - 0.5;
    let y0 = roi.cy - half * uy - half * vy - 0.5;
    let pixel = |x: i64, y: i64, ch: usize| -> f32 {
        if x < 0 || y < 0 || x >= w || y >= h { 0.0 } else { raw[((y * w + x) * 3) as usize + ch] as f32 }
    };
    for row in 0..size {
        let (mut x, mut y) = (x0 + row as f32 * vx, y0 + row as f32 * vy);
        let line = &mut out[row * size * 3..(row + 1) * size * 3];
        for px in line.chunks_exact_mut(3) {
            let (fx, fy) = (x.floor(), y.floor());
            let (ax, ay) = (x - fx, y - fy);
            let (ix, iy) = (fx as i64, fy as i64);
            let inside = ix >= 0 && iy >= 0 && ix + 1 < w && iy + 1 < h;
            for (ch, o) in px.iter_mut().enumerate() {
                let v = if inside {
                    let base = ((iy * w + ix) * 3) as usize + ch;
                    let row_step = (w * 3) as usize;
                    let (p00, p10) = (raw[base] as f32, raw[base + 3] as f32);
                    let (p01, p11) = (raw[base + row_step] as f32, raw[base + row_step + 3] as f32);
                    (p00 * (1.0 - ax) + p10 * ax) * (1.0 - ay) + (p01 * (1.0 - ax) + p11 * ax) * ay
                } else {
                    (pixel(ix, iy, ch) * (1.0 - ax) + pixel(ix + 1, iy, ch) * ax) * (1.0 - ay)
                        + (pixel(ix, iy + 1, ch) * (1.0 - ax) + pixel(ix + 1, iy + 1, ch) * ax) * ay
                };
                *o = v * scale + offset;
            }
            x += ux;
            y += uy;
        }
    }
}

/// Mirrors an image of `size` × `size` RGB pixels (NHWC) left to right in place.
pub(crate) fn mirror_rows(pixels: &mut [f32], size: usize) {
    for row in pixels.chunks_exact_mut(size * 3) {
        for c in 0..size / 2 {
            for ch in 0..3 {
                row.swap(c * 3 + ch, (size - 1 - c) * 3 + ch);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roi_rule_is_upright_for_a_standing_person() {
        // Scale point straight above the hip centre: no rotation, side = 2 * 100 * 1.25.
        let roi = Roi::from_alignment((200.0, 300.0), (200.0, 200.0));
        assert!(roi.rotation.abs() < 1e-6);
        assert!((roi.side - 250.0).abs() < 1e-4);
        assert_eq!(roi.to_image(0.5, 0.5), (200.0, 300.0));
        // Scale point to the right: the person lies on their side, rotated by +90°.
        let lying = Roi::from_alignment((200.0, 300.0), (300.0, 300.0));
        assert!((lying.rotation - PI / 2.0).abs() < 1e-6);
        let (x, y) = lying.to_image(0.5, 0.0); // top centre of the crop lies towards the scale point
        assert!((x - 325.0).abs() < 1e-3 && (y - 300.0).abs() < 1e-3, "{x} {y}");
    }

    #[test]
    fn warp_copies_an_axis_aligned_crop_exactly() {
        let img = RgbImage::from_fn(8, 8, |x, y| image::Rgb([(x * 10) as u8, (y * 10) as u8, 7]));
        let roi = Roi { cx: 4.0, cy: 4.0, side: 4.0, rotation: 0.0 };
        let mut out = vec![0.0; 4 * 4 * 3];
        warp_roi(&img, &roi, 4, 1.0, 0.0, &mut out);
        // Output pixel (0, 0) is image pixel (2, 2).
        assert_eq!(&out[..3], &[20.0, 20.0, 7.0]);
        assert_eq!(&out[(3 * 4 + 1) * 3..(3 * 4 + 1) * 3 + 3], &[30.0, 50.0, 7.0]);
        // Outside the image reads black, scaled like the rest.
        let far = Roi { cx: -100.0, cy: -100.0, side: 4.0, rotation: 0.0 };
        warp_roi(&img, &far, 4, 2.0, -1.0, &mut out);
        assert!(out.iter().all(|&v| v == -1.0));
    }

    #[test]
    fn a_mirrored_crop_is_the_crop_read_right_to_left() {
        let img = RgbImage::from_fn(8, 8, |x, y| image::Rgb([(x * 10) as u8, (y * 10) as u8, 7]));
        let roi = Roi { cx: 4.0, cy: 4.0, side: 4.0, rotation: 0.0 };
        let mut out = vec![0.0; 4 * 4 * 3];
        warp_roi(&img, &roi, 4, 1.0, 0.0, &mut out);
        let plain = out.clone();
        mirror_rows(&mut out, 4);
        for (row, col) in (0..4).flat_map(|r| (0..4).map(move |c| (r, c))) {
            let (a, b) = ((row * 4 + col) * 3, (row * 4 + 3 - col) * 3);
            assert_eq!(out[a..a + 3], plain[b..b + 3], "{row} {col}");
        }
        mirror_rows(&mut out, 4);
        assert_eq!(out, plain);
    }
}
